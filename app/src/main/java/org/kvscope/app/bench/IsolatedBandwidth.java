package org.kvscope.app.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Measures {@link MemoryBandwidth} in a child JVM, so the measurement leaves no trace in the JVM
 * being benchmarked.
 *
 * <p>Why: the bandwidth test reads an off-heap buffer through the Vector API. Run in the same JVM,
 * it shares the JDK's memory-access internals with the tensor kernels, the JIT then compiles the
 * kernels against both kinds of segment, and decode measured afterwards ran 1.5–2× slower
 * (73 ms per token for the 1B Q8_0 model without the test, 118–157 ms after it).
 */
public final class IsolatedBandwidth {
    private static final long TIMEOUT_SECONDS = 300;

    private IsolatedBandwidth() {}

    /** Copy and read bandwidth from a fresh JVM; {@code repetitions} passes over two buffers of {@code bufferBytes}. */
    public static MemoryBandwidth.Result measure(long bufferBytes, int repetitions) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(javaExecutable());
        command.add("--add-modules");
        command.add("jdk.incubator.vector");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(MemoryBandwidth.class.getName());
        command.add(Long.toString(bufferBytes));
        command.add(Integer.toString(repetitions));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("the bandwidth measurement did not finish within " + TIMEOUT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while measuring bandwidth", e);
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException("the bandwidth measurement failed (exit " + p.exitValue() + "): " + output.strip());
        }
        return parse(output);
    }

    /** The child's result line: {@code bandwidth copy=<GB/s> read=<GB/s> bytes=<n> threads=<n>}. */
    static MemoryBandwidth.Result parse(String output) throws IOException {
        for (String line : output.split("\\R")) {
            if (line.startsWith("bandwidth ")) {
                double copy = Double.NaN, read = Double.NaN;
                long bytes = -1;
                int threads = -1;
                for (String field : line.substring("bandwidth ".length()).trim().split("\\s+")) {
                    String[] kv = field.split("=", 2);
                    if (kv.length != 2) {
                        continue;
                    }
                    switch (kv[0]) {
                        case "copy" -> copy = Double.parseDouble(kv[1]);
                        case "read" -> read = Double.parseDouble(kv[1]);
                        case "bytes" -> bytes = Long.parseLong(kv[1]);
                        case "threads" -> threads = Integer.parseInt(kv[1]);
                        default -> { }
                    }
                }
                if (Double.isNaN(copy) || Double.isNaN(read) || bytes < 0 || threads < 1) {
                    throw new IOException("incomplete bandwidth result line: " + line);
                }
                return new MemoryBandwidth.Result(copy, read, bytes, threads);
            }
        }
        throw new IOException("the bandwidth measurement printed no result line: " + output.strip());
    }

    static String format(MemoryBandwidth.Result r) {
        return String.format(Locale.ROOT, "bandwidth copy=%.4f read=%.4f bytes=%d threads=%d", r.copyGBps(),
                r.readGBps(), r.bufferBytes(), r.threads());
    }

    private static String javaExecutable() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }
}
