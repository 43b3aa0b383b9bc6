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
    private static final String RESULT = "first-selection nanos=";

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
            try (InferenceSession session = new InferenceSession(model,
                    SessionOptions.ofContext(BenchPoliciesCommand.sessionContext(model, prompt.length)))) {
                session.setPolicy(timer);
                session.prefill(prompt);
            }
            System.out.println(RESULT + timer.firstNanos());
        }
    }

    /** The first selection call's time (ms) of {@code policy} with {@code params}, measured in a child JVM. */
    static double firstCallMs(Path model, int tokens, String policy, Map<String, ?> params) throws IOException {
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
    static double parse(String policy, int exit, String output) throws IOException {
        if (exit == 0) {
            for (String line : output.split("\\R")) {
                if (line.startsWith(RESULT)) {
                    return Long.parseLong(line.substring(RESULT.length()).trim()) / 1e6;
                }
            }
        }
        String last = output.strip().lines().reduce((a, b) -> b).orElse("no output");
        throw new IOException("the fresh JVM timing " + policy + " failed (exit " + exit + "): " + last);
    }
}
