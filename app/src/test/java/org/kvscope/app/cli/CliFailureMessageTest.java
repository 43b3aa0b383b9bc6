package org.kvscope.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.gguf.GGMLType;
import org.kvscope.gguf.GGUFFile;
import org.kvscope.gguf.GGUFWriter;

/** Failures that reach the command boundary become one short printable line, whatever raised them. */
class CliFailureMessageTest {
    @TempDir
    Path dir;

    /** A command whose body is the test's. */
    private record Failing(String name, Body body) implements Command {
        interface Body {
            void run() throws Exception;
        }

        @Override public String summary() { return "fails"; }

        @Override public String usage() { return "usage: " + name; }

        @Override
        public int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
            body.run();
            return 0;
        }
    }

    private static String stderrOf(int expectedCode, Failing command) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new Cli(List.of(command)).run(new String[] {command.name()}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = err.toString(StandardCharsets.UTF_8);
        assertEquals(expectedCode, code, text);
        assertEquals(1, text.lines().count(), "one line: " + text);
        return text.strip();
    }

    @Test
    void modelFileTruncatedWhileInUse() throws IOException {
        Path file = dir.resolve("model.gguf");
        new GGUFWriter().addTensor("w", GGMLType.F32, new long[] {1 << 20}, new byte[4 << 20]).write(file);
        String line = stderrOf(1, new Failing("decode", () -> {
            try (GGUFFile f = GGUFFile.open(file)) {
                MemorySegment w = f.tensorData(f.tensor("w").orElseThrow());
                try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    c.truncate(100);
                }
                float sum = 0;
                for (long i = 0; i < w.byteSize(); i += 4096) {
                    sum += w.get(ValueLayout.JAVA_BYTE, i);
                }
                System.out.println(sum);
            }
        }));
        assertTrue(line.startsWith("kvscope decode: error: model file " + file + " was truncated or replaced while in use"),
                line);
    }

    @Test
    void inspectCheckReportsNonFiniteWeights() throws IOException {
        Path file = dir.resolve("nan.gguf");
        java.nio.ByteBuffer data = java.nio.ByteBuffer.allocate(4 * 64).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        data.putFloat(4 * 5, Float.NaN);
        new GGUFWriter().addTensor("ok", GGMLType.F32, new long[] {64}, new byte[4 * 64])
                .addTensor("bad", GGMLType.F32, new long[] {64}, data.array()).write(file);
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Cli.standard().run(new String[] {"inspect", "--model", file.toString(), "--check"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(1, code, err.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("weights: 2 tensors read, 1 with NaN or infinite values"));
        assertEquals("kvscope inspect: error: tensor 'bad' holds 1 NaN and 0 infinite values (first at element 5); the"
                + " file is damaged", err.toString(StandardCharsets.UTF_8).strip());
    }

    @Test
    void generateOnNaNWeightsEndsTheStreamedPromptBeforeTheError() throws IOException {
        Path file = dir.resolve("nan-weights.gguf");
        CliTest.Run synth = CliTest.run("synth", "--shape", "tiny-llama", "--type", "f32", "--out", file.toString(),
                "--quiet");
        assertEquals(0, synth.code(), synth.err());
        long at;
        try (GGUFFile f = GGUFFile.open(file)) {
            at = f.dataOffset() + f.tensor("blk.0.attn_q.weight").orElseThrow().offset();
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer nan = java.nio.ByteBuffer.allocate(64).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            while (nan.hasRemaining()) {
                nan.putFloat(Float.NaN);
            }
            ch.write(nan.flip(), at);
        }
        CliTest.Run r = CliTest.run("generate", "--model", file.toString(), "--prompt", "Hello there", "-n", "4",
                "--device", "cpu");
        CliTest.assertCleanError(r, 1, "NaN");
        assertEquals("Hello there\n", r.out(), "the streamed prompt ends its line before the error line");
    }

    @Test
    void permissionDeniedSaysSo() {
        String line = stderrOf(1, new Failing("read", () -> {
            throw new AccessDeniedException("/models/locked.gguf");
        }));
        assertEquals("kvscope read: error: permission denied: /models/locked.gguf", line);
    }

    @Test
    void binaryGarbageInAMessageIsBoundedAndPrintable() {
        byte[] garbage = new byte[2_000_000];
        for (int i = 0; i < garbage.length; i++) {
            garbage[i] = (byte) (i * 31);
        }
        String line = stderrOf(1, new Failing("load", () -> {
            throw new IOException("bad key '" + new String(garbage, StandardCharsets.ISO_8859_1) + "'");
        }));
        assertTrue(line.length() < 1100, "length " + line.length());
        assertTrue(line.chars().allMatch(c -> c >= 0x20 && c != 0x7f), line);
    }
}
