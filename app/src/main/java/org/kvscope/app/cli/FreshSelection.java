package org.kvscope.app.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.kvscope.engine.InferenceSession;
import org.kvscope.engine.SessionOptions;
import org.kvscope.model.Model;
import org.kvscope.model.ModelLoader;

/**
 * A policy's first selection after prefill in a fresh JVM, what a user running the CLI once pays:
 * the child loads the model, prefills bench-policies' prompt with the policy active and times the
 * policy's first {@code selectAfterPrefill} call (nothing ran any selection before it in that
 * process). The child gets the parent's JVM options, so it runs as the launcher runs it.
 */
final class FreshSelection {
    private static final long TIMEOUT_SECONDS = 600;
    private static final String RESULT = "first-selection nanos=", WARMUP = "warmup-nanos=", PREFILL = "prefill-nanos=";
    private static final java.util.regex.Pattern LINE = java.util.regex.Pattern.compile(
            RESULT + "(\\d+) " + WARMUP + "(\\d+) " + PREFILL + "(\\d+)");

    private FreshSelection() {}

    /** Child: {@code MODEL TOKENS POLICY [NAME=VALUE...]} → one result line on stdout. */
    public static void main(String[] args) throws IOException {
        Map<String, String> params = new java.util.LinkedHashMap<>();
        for (int i = 3; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            params.put(kv[0], kv[1]);
        }
        try (Model model = ModelLoader.load(Path.of(args[0]))) {
            int[] prompt = BenchPoliciesCommand.prompt(model, Integer.parseInt(args[1]));
            SelectionTimer timer = new SelectionTimer(PolicyOptions.create(args[2], params), 1);
            long warmup, prefill;
            try (InferenceSession session = new InferenceSession(model,
                    SessionOptions.ofContext(BenchPoliciesCommand.sessionContext(model, prompt.length)))) {
                session.setPolicy(timer);
                long t0 = System.nanoTime();
                session.prefill(prompt);
                prefill = System.nanoTime() - t0 - timer.firstNanos();
                warmup = session.lastWarmupNanos();
            }
            System.out.println(RESULT + timer.firstNanos() + " " + WARMUP + warmup + " " + PREFILL + prefill);
        }
    }

    /**
     * A fresh JVM's first selection and what its prefill paid before it (ms).
     *
     * @param selectionMs the first selection call
     * @param warmupMs    the selection's warm-up before the forward pass (0 when none ran), part of the prefill
     * @param prefillMs   the whole prefill, warm-up included, the selection not
     */
    record FirstCall(double selectionMs, double warmupMs, double prefillMs) {}

    /** The first selection call of {@code policy} with {@code params}, measured in a child JVM. */
    static FirstCall firstCall(Path model, int tokens, String policy, Map<String, ?> params) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!option.startsWith("-agentlib:jdwp") && !option.startsWith("-XX:AOTCacheOutput")
                    && !option.startsWith("-XX:AOTMode")) {
                command.add(option);
            }
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), FreshSelection.class.getName(),
                model.toAbsolutePath().toString(), Integer.toString(tokens), policy));
        params.forEach((k, v) -> command.add(k + "=" + v));
        Path log = Files.createTempFile("kvscope-fresh-selection", ".txt");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IOException("the fresh JVM timing " + policy + " did not finish within " + TIMEOUT_SECONDS + " s");
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while timing " + policy + " in a fresh JVM", e);
            }
            return parse(policy, p.exitValue(), new String(Files.readAllBytes(log), StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** The child's result line in ms, or an exception naming the policy and what the child printed. */
    static FirstCall parse(String policy, int exit, String output) throws IOException {
        if (exit == 0) {
            for (String line : output.split("\\R")) {
                java.util.regex.Matcher m = LINE.matcher(line.strip());
                if (m.matches()) {
                    return new FirstCall(Long.parseLong(m.group(1)) / 1e6, Long.parseLong(m.group(2)) / 1e6,
                            Long.parseLong(m.group(3)) / 1e6);
                }
            }
        }
        String last = output.strip().lines().reduce((a, b) -> b).orElse("no output");
        throw new IOException("the fresh JVM timing " + policy + " failed (exit " + exit + "): " + last);
    }
}
