package org.kvscope.app.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.engine.InferenceSession;
import org.kvscope.engine.SessionOptions;
import org.kvscope.gguf.GGMLType;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.model.Model;
import org.kvscope.model.ModelLoader;
import org.kvscope.model.ModelShape;
import org.kvscope.model.SyntheticModelWriter;
import org.kvscope.trace.AttentionObserver;

/** bench-policies' pairs: two sessions' prefills in turns, one forward call each, with the results of lone prefills. */
class LockstepPrefillTest {

    @Test
    void chunksAlternateBetweenTheSessionsAndEachPrefillGivesWhatItGivesAlone(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tiny.gguf");
        SyntheticModelWriter.write(ModelShape.TINY_LLAMA, GGMLType.F32, file, 7);
        try (Model model = ModelLoader.load(file)) {
            int[] prompt = BenchPoliciesCommand.prompt(model, 64);
            SessionOptions chunks = new SessionOptions(96, 16);
            float[] plainAlone, compressedAlone;
            List<Integer> keptAlone;
            try (InferenceSession s = new InferenceSession(model, chunks)) {
                plainAlone = s.prefill(prompt);
                s.reset();
                s.setPolicy(PolicyRegistry.create("snapkv", Map.of("budget", 24)));
                compressedAlone = s.prefill(prompt);
                keptAlone = kept(s);
            }
            List<String> turns = Collections.synchronizedList(new ArrayList<>());
            try (InferenceSession a = new InferenceSession(model, chunks);
                 InferenceSession b = new InferenceSession(model, chunks);
                 LockstepPrefill lockstep = new LockstepPrefill()) {
                a.addObserver(chunkLog("a", turns));
                b.addObserver(chunkLog("b", turns));
                b.setPolicy(PolicyRegistry.create("snapkv", Map.of("budget", 24)));
                long[] nanos = lockstep.run(new InferenceSession[] {a, b}, prompt, 1);
                assertEquals(List.of("b0", "a0", "b16", "a16", "b32", "a32", "b48", "a48"), turns);
                assertTrue(nanos[0] > 0 && nanos[1] > 0, java.util.Arrays.toString(nanos));
                long[] cpu = lockstep.cpuNanos(); // each session's turns (10 ms steps): at most all cores for its wall time
                assertTrue(cpu[0] >= 0 && cpu[1] >= 0, java.util.Arrays.toString(cpu));
                long cores = Runtime.getRuntime().availableProcessors();
                assertTrue(cpu[0] <= cores * nanos[0] + 50_000_000L && cpu[1] <= cores * nanos[1] + 50_000_000L,
                        java.util.Arrays.toString(cpu) + " / " + java.util.Arrays.toString(nanos));
                for (String where : lockstep.chunkCpus()) { // one CPU (or "?") per chunk of each session
                    assertEquals(4, where.split("\\.").length, where);
                    assertTrue(where.matches("(\\d+|\\?)(\\.(\\d+|\\?))*"), where);
                }
                assertEquals(keptAlone, kept(b), "the policy's kept set as in a lone prefill");
                a.reset();
                b.reset();
                turns.clear();
                lockstep.run(new InferenceSession[] {a, b}, prompt, 0);
                assertEquals(List.of("a0", "b0", "a16", "b16", "a32", "b32", "a48", "b48"), turns);
                a.reset();
                float[] again = a.prefill(prompt);
                assertArrayEquals(plainAlone, again);
                assertTrue(compressedAlone.length > 0);
            }
        }
    }

    @Test
    void aFailedPrefillFreesTheOtherAndIsRethrown(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tiny.gguf");
        SyntheticModelWriter.write(ModelShape.TINY_LLAMA, GGMLType.F32, file, 7);
        try (Model model = ModelLoader.load(file);
             InferenceSession a = new InferenceSession(model, new SessionOptions(96, 16));
             InferenceSession b = new InferenceSession(model, new SessionOptions(40, 16)); // too small for 64 tokens
             LockstepPrefill lockstep = new LockstepPrefill()) {
            int[] prompt = BenchPoliciesCommand.prompt(model, 64);
            Exception e = assertThrows(Exception.class, () -> lockstep.run(new InferenceSession[] {a, b}, prompt, 0));
            assertTrue(e.getMessage().contains("40"), e.getMessage());
            assertEquals(64, a.position(), "the other prefill ran to its end");
        }
    }

    @Test
    void theWarmUpRunsEveryConfigurationOnBothSessionsOnTheThreadsThatRunThePairs(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tiny.gguf");
        SyntheticModelWriter.write(ModelShape.TINY_LLAMA, GGMLType.F32, file, 7);
        try (Model model = ModelLoader.load(file);
             InferenceSession a = new InferenceSession(model, new SessionOptions(96, 16));
             InferenceSession b = new InferenceSession(model, new SessionOptions(96, 16));
             LockstepPrefill lockstep = new LockstepPrefill()) {
            List<String> threads = Collections.synchronizedList(new ArrayList<>());
            a.addObserver(threadLog("a", threads));
            b.addObserver(threadLog("b", threads));
            InferenceSession[] sessions = {a, b};
            List<String> done = new ArrayList<>();
            java.util.Set<String> policies = Collections.synchronizedSet(new java.util.HashSet<>());
            BenchPoliciesCommand.warmUp(sessions, lockstep, BenchPoliciesCommand.prompt(model, 64),
                    java.util.Arrays.asList("snapkv", null), 24, config -> {
                        done.add(String.valueOf(config));
                        policies.add(a.policy() == null ? "null" : a.policy().name());
                        policies.add(b.policy() == null ? "null" : b.policy().name());
                    });
            assertEquals(List.of("snapkv", "null"), done);
            assertEquals(java.util.Set.of("null", "snapkv"), policies, "each configuration set on both sessions");
            assertEquals(2 * 2 * 4, threads.size(), "two configurations, two sessions, four chunks each: " + threads);
            for (String t : threads) { // every chunk on the thread its session's pairs run on, none on this one
                assertTrue(t.equals("a lockstep-a") || t.equals("b lockstep-b"), threads.toString());
            }
            assertEquals(64, a.position());
            assertEquals(64, b.position());
        }
    }

    private static List<Integer> kept(InferenceSession s) {
        return java.util.Arrays.stream(java.util.Arrays.copyOf(s.cache().positions(0, 0), s.cache().size(0, 0)))
                .boxed().toList();
    }

    /** Logs {@code name} and the start of every forward pass of {@code name}'s session. */
    private static AttentionObserver chunkLog(String name, List<String> turns) {
        return forwardLog(turns, start -> name + start);
    }

    /** Logs {@code name} and the thread every forward pass of {@code name}'s session runs on. */
    private static AttentionObserver threadLog(String name, List<String> threads) {
        return forwardLog(threads, start -> name + " " + Thread.currentThread().getName());
    }

    private static AttentionObserver forwardLog(List<String> log, java.util.function.IntFunction<String> entry) {
        return new AttentionObserver() {
            @Override
            public void onAttention(int layer, int head, int q, int[] keys, float[] w, int count) {}

            @Override
            public boolean wants(int layer, int head, int q) { return false; }

            @Override
            public void onForwardStart(int start, int count) { log.add(entry.apply(start)); }
        };
    }
}
