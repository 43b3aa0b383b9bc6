package org.kvscope.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kvscope.engine.InferenceSession;
import org.kvscope.engine.ReferenceForward;
import org.kvscope.engine.SessionOptions;
import org.kvscope.gguf.GGMLType;
import org.kvscope.kv.KvCache;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.model.Model;
import org.kvscope.model.ModelConfig;
import org.kvscope.model.ModelLoader;
import org.kvscope.model.ModelShape;
import org.kvscope.model.SyntheticModelWriter;
import org.kvscope.trace.AttentionObserver;

/**
 * What every {@link ForwardBackend} must do, checked on a generated model: logits of prefill and
 * decode against a plain double-precision reference, every-row logits, cache compaction to kept
 * positions, the attention rows reported to observers (the evidence policies use), prefill row
 * pruning, and policies run by a session giving the CPU's kept positions. A backend's test
 * extends this class and supplies its factory; results are compared with the CPU backend within
 * float tolerance (the CPU compared with itself is exact).
 */
public abstract class BackendContract {
    static Path dir;
    static Model model;
    static int[] prompt;
    static final int CONTEXT = 64;

    /** The backend under test (opened once per test class, closed after it). */
    protected abstract BackendFactory factory();

    @BeforeAll
    static void loadModel() throws Exception {
        dir = Files.createTempDirectory("backend-contract");
        Path file = dir.resolve("tiny.gguf");
        SyntheticModelWriter.write(ModelShape.TINY_LLAMA, GGMLType.Q8_0, file, 21);
        model = ModelLoader.load(file);
        prompt = new SplittableRandom(4).ints(24, 0, ModelShape.TINY_LLAMA.vocab).toArray();
    }

    @AfterAll
    static void closeModel() throws Exception {
        model.close();
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    private ForwardBackend open() {
        return factory().open(model, CONTEXT);
    }

    private static float[] lastLogits(ForwardBackend b, int[] tokens, int offset, int n, int start,
                                      AttentionObserver observer) {
        float[] out = new float[model.config().vocabSize()];
        b.forward(tokens, offset, n, start, observer, null, false, (row, l, o) -> System.arraycopy(l, o, out, 0, out.length));
        return out;
    }

    private static void assertClose(double[] expected, float[] actual, double tolerance, String what) {
        assertEquals(expected.length, actual.length, what);
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Math.abs(expected[i] - actual[i]) <= tolerance * Math.max(1, scale),
                    what + " [" + i + "]: expected " + expected[i] + ", got " + actual[i]);
        }
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    @Test
    void prefillAndDecodeLogitsMatchTheReference() {
        ModelConfig c = model.config();
        ReferenceForward ref = new ReferenceForward(c, model.weights(), CONTEXT);
        double[] expected = null;
        for (int t : prompt) {
            expected = ref.step(t);
        }
        try (ForwardBackend b = open()) {
            float[] logits = lastLogits(b, prompt, 0, prompt.length, 0, null);
            assertClose(expected, logits, 2e-3, "prefill logits");
            int position = prompt.length;
            for (int i = 0; i < 5; i++) {
                int token = (i * 37 + 5) % c.vocabSize();
                expected = ref.step(token);
                logits = lastLogits(b, new int[] {token}, 0, 1, position++, null);
                assertClose(expected, logits, 2e-3, "decode step " + i);
            }
        }
    }

    @Test
    void everyRowsLogitsEqualTheLastRowsAndChunkedPrefill() {
        int vocab = model.config().vocabSize();
        float[][] rows = new float[prompt.length][];
        try (ForwardBackend b = open()) {
            b.forward(prompt, 0, prompt.length, 0, null, null, true,
                    (row, l, o) -> rows[row] = Arrays.copyOfRange(l, o, o + vocab));
        }
        for (int r = 0; r < rows.length; r++) {
            assertEquals(vocab, rows[r] == null ? -1 : rows[r].length, "row " + r + " has logits");
        }
        try (ForwardBackend b = open()) {
            float[] firstHalf = lastLogits(b, prompt, 0, 10, 0, null);
            assertClose(toDouble(rows[9]), firstHalf, 1e-4, "row 9 against a 10-token prefill");
            float[] rest = lastLogits(b, prompt, 10, prompt.length - 10, 10, null);
            assertClose(toDouble(rows[prompt.length - 1]), rest, 1e-4, "last row against a chunked prefill");
            assertEquals(prompt.length, b.cache().size(0, 0));
        }
    }

    /**
     * What KVzip's repeat pass and the retrieval-head scoring do: run past a prefix, keep only the prefix's
     * positions, and go on from the prefix's end, as a session that had prefilled the prefix alone would.
     */
    @Test
    void aCacheCutBackToAPrefixContinuesFromThePrefixsEnd() {
        ModelConfig c = model.config();
        int prefix = 12;
        try (ForwardBackend b = open(); ForwardBackend fresh = open()) {
            lastLogits(b, prompt, 0, prompt.length, 0, null);
            int[][][] kept = new int[c.layers()][c.kvHeads()][];
            for (int l = 0; l < c.layers(); l++) {
                for (int h = 0; h < c.kvHeads(); h++) {
                    kept[l][h] = java.util.stream.IntStream.range(0, prefix).toArray();
                }
            }
            b.keepPositions(kept);
            assertEquals(prefix, b.cache().size(c.layers() - 1, c.kvHeads() - 1));
            float[] resumed = lastLogits(b, prompt, prefix, 4, prefix, null);
            lastLogits(fresh, prompt, 0, prefix, 0, null);
            float[] expected = lastLogits(fresh, prompt, prefix, 4, prefix, null);
            assertClose(toDouble(expected), resumed, 1e-4, "logits after the cut");
            assertArrayEquals(Arrays.copyOf(fresh.cache().positions(0, 0), prefix + 4),
                    Arrays.copyOf(b.cache().positions(0, 0), b.cache().size(0, 0)));
            var e = assertThrows(RuntimeException.class, () -> lastLogits(b, prompt, 0, 1, prefix + 3, null),
                    "a position the cache already holds");
            assertTrue(e.getMessage().contains(String.valueOf(prefix + 3)), e.getMessage());
        }
    }

    @Test
    void keepPositionsCompactsEachHeadToItsKeptPositions() {
        ModelConfig c = model.config();
        try (ForwardBackend b = open(); ForwardBackend cpu = Backends.cpu().open(model, CONTEXT)) {
            lastLogits(b, prompt, 0, prompt.length, 0, null);
            lastLogits(cpu, prompt, 0, prompt.length, 0, null);
            float[] keysBefore = Arrays.copyOf(b.cache().keys(1, 0), prompt.length * c.headDim());
            int[][][] kept = new int[c.layers()][c.kvHeads()][];
            kept[1][0] = new int[] {0, 3, 5, 23};
            kept[0][c.kvHeads() - 1] = new int[] {1, 2, 22, 23};
            b.keepPositions(kept);
            cpu.keepPositions(kept);
            KvCache cache = b.cache();
            assertArrayEquals(kept[1][0], Arrays.copyOf(cache.positions(1, 0), cache.size(1, 0)));
            assertArrayEquals(kept[0][c.kvHeads() - 1],
                    Arrays.copyOf(cache.positions(0, c.kvHeads() - 1), cache.size(0, c.kvHeads() - 1)));
            assertEquals(prompt.length, cache.size(0, 0), "heads without an entry are unchanged");
            float[] keysAfter = cache.keys(1, 0);
            for (int i = 0; i < kept[1][0].length; i++) {
                int p = kept[1][0][i];
                assertArrayEquals(Arrays.copyOfRange(keysBefore, p * c.headDim(), (p + 1) * c.headDim()),
                        Arrays.copyOfRange(keysAfter, i * c.headDim(), (i + 1) * c.headDim()),
                        "kept slot " + i + " holds position " + p + "'s key");
            }
            float[] next = lastLogits(b, new int[] {7}, 0, 1, prompt.length, null);
            float[] cpuNext = lastLogits(cpu, new int[] {7}, 0, 1, prompt.length, null);
            assertClose(toDouble(cpuNext), next, 1e-3, "decode after compaction");
            assertEquals(5, cache.size(1, 0), "the decoded token is appended after the kept slots");
            assertEquals(prompt.length, cache.positions(1, 0)[4]);

            int[][][] missing = new int[c.layers()][c.kvHeads()][];
            missing[1][0] = new int[] {0, 4};
            var e = assertThrows(IllegalStateException.class, () -> b.keepPositions(missing));
            assertTrue(e.getMessage().contains("kept position 4") && e.getMessage().contains("layer 1 kv-head 0"),
                    e.getMessage());
            b.reset();
            assertEquals(0, b.cache().size(1, 0));
        }
    }

    /** Records every reported row. */
    private static final class Rows implements AttentionObserver {
        final Map<String, float[]> weights = new ConcurrentHashMap<>();
        final Map<String, int[]> positions = new ConcurrentHashMap<>();
        final List<String> forwards = new ArrayList<>();
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public void onAttention(int layer, int head, int q, int[] keys, float[] w, int count) {
            calls.incrementAndGet();
            String key = layer + "/" + head + "/" + q;
            weights.put(key, Arrays.copyOf(w, count));
            positions.put(key, Arrays.copyOf(keys, count));
        }

        @Override
        public synchronized void onForwardStart(int start, int count) {
            forwards.add("start " + start + "+" + count);
        }

        @Override
        public synchronized void onForwardEnd(int start, int count) {
            forwards.add("end " + start + "+" + count);
        }
    }

    @Test
    void observerSeesEveryAttentionRowInSlotOrder() {
        ModelConfig c = model.config();
        Rows rows = new Rows(), cpuRows = new Rows();
        try (ForwardBackend b = open(); ForwardBackend cpu = Backends.cpu().open(model, CONTEXT)) {
            lastLogits(b, prompt, 0, prompt.length, 0, rows);
            lastLogits(cpu, prompt, 0, prompt.length, 0, cpuRows);
            assertEquals(List.of("start 0+" + prompt.length, "end 0+" + prompt.length), rows.forwards);
            assertEquals(c.layers() * c.heads() * prompt.length, rows.calls.get(), "one row per (layer, head, query)");
            for (int l = 0; l < c.layers(); l++) {
                for (int h = 0; h < c.heads(); h++) {
                    for (int q = 0; q < prompt.length; q++) {
                        String key = l + "/" + h + "/" + q;
                        float[] w = rows.weights.get(key);
                        assertEquals(q + 1, w.length, key + ": a query sees the slots up to itself");
                        int[] expectedPositions = new int[q + 1];
                        Arrays.setAll(expectedPositions, i -> i);
                        assertArrayEquals(expectedPositions, rows.positions.get(key), key);
                        double sum = 0;
                        for (float x : w) {
                            assertTrue(x >= 0, key);
                            sum += x;
                        }
                        assertEquals(1, sum, 1e-4, key + ": softmax weights sum to one");
                        assertClose(toDouble(cpuRows.weights.get(key)), w, 1e-4, key);
                    }
                }
            }
            int[][][] kept = new int[c.layers()][c.kvHeads()][];
            for (int l = 0; l < c.layers(); l++) {
                Arrays.fill(kept[l], new int[] {0, 10, 23});
            }
            b.keepPositions(kept);
            Rows decode = new Rows();
            lastLogits(b, new int[] {3}, 0, 1, prompt.length, decode);
            int[] expected = {0, 10, 23, prompt.length};
            for (int h = 0; h < c.heads(); h++) {
                assertArrayEquals(expected, decode.positions.get("1/" + h + "/" + prompt.length),
                        "a decode query sees the kept slots and itself");
            }
        }
    }

    @Test
    void prefillPrunerStopsRowsBetweenLayers() {
        int vocab = model.config().vocabSize();
        List<Integer> withLogits = new ArrayList<>();
        try (ForwardBackend b = open()) {
            b.forward(prompt, 0, prompt.length, 0, null,
                    (layer, rowPositions) -> layer == 0 ? new int[] {0, 5, rowPositions.length - 1} : null, true,
                    (row, l, o) -> {
                        assertEquals(vocab, Math.min(vocab, l.length - o));
                        withLogits.add(row);
                    });
            assertEquals(List.of(0, 5, prompt.length - 1), withLogits, "only surviving rows get logits");
            assertEquals(prompt.length, b.cache().size(0, 0), "layer 0 computed every row");
            assertArrayEquals(new int[] {0, 5, prompt.length - 1}, Arrays.copyOf(b.cache().positions(1, 0), 3));
            assertEquals(3, b.cache().size(1, 0), "layer 1 cached only the surviving rows");
            assertThrows(IllegalStateException.class, () -> {
                try (ForwardBackend other = open()) {
                    other.forward(prompt, 0, prompt.length, 0, null, (layer, rowPositions) -> new int[] {0}, false,
                            (row, l, o) -> {});
                }
            }, "a pruner must keep the last row");
        }
    }

    @Test
    void everyPolicyKeepsWhatItKeepsOnTheCpu() {
        Map<String, Map<String, String>> policies = Map.of(
                "streamingllm", Map.of("budget", "12", "sinks", "2"),
                "h2o", Map.of("budget", "14", "recent", "4"),
                "snapkv", Map.of("budget", "12", "window", "4"),
                "pyramidkv", Map.of("budget", "12", "window", "4"),
                "pyramidinfer", Map.of("budget", "14", "schedule", "pyramid", "beta", "2", "sinks", "2",
                        "recent-window", "4", "block", "4"));
        for (var e : policies.entrySet()) {
            try (InferenceSession s = new InferenceSession(model, new SessionOptions(CONTEXT, 16, factory()));
                 InferenceSession cpu = new InferenceSession(model, new SessionOptions(CONTEXT, 16, Backends.cpu()))) {
                s.setPolicy(PolicyRegistry.create(e.getKey(), e.getValue()));
                cpu.setPolicy(PolicyRegistry.create(e.getKey(), e.getValue()));
                float[] logits = s.prefill(prompt);
                float[] cpuLogits = cpu.prefill(prompt);
                for (int i = 0; i < 10; i++) {
                    assertSameCache(e.getKey() + " step " + i, cpu.cache(), s.cache());
                    assertClose(toDouble(cpuLogits), logits, 1e-3, e.getKey() + " logits at step " + i);
                    int token = (i * 11 + 3) % model.config().vocabSize();
                    logits = s.decode(token);
                    cpuLogits = cpu.decode(token);
                }
            }
        }
    }

    private static void assertSameCache(String what, KvCache expected, KvCache actual) {
        for (int l = 0; l < expected.layers(); l++) {
            for (int h = 0; h < expected.kvHeads(); h++) {
                assertArrayEquals(Arrays.copyOf(expected.positions(l, h), expected.size(l, h)),
                        Arrays.copyOf(actual.positions(l, h), actual.size(l, h)), what + " layer " + l + " kv-head " + h);
            }
        }
    }

    @Test
    void badInputIsRefusedWithAClearMessage() {
        try (ForwardBackend b = open()) {
            var e = assertThrows(IllegalArgumentException.class,
                    () -> lastLogits(b, new int[] {model.config().vocabSize()}, 0, 1, 0, null));
            assertTrue(e.getMessage().contains("outside vocabulary"), e.getMessage());
            int[] tooMany = new int[CONTEXT + 1];
            e = assertThrows(IllegalArgumentException.class, () -> lastLogits(b, tooMany, 0, tooMany.length, 0, null));
            assertTrue(e.getMessage().contains("context"), e.getMessage());
            assertNull(ForwardBackend.slotsHolding(b.cache(), 0, 0, new int[0]), "an empty cache holds all of nothing");
        }
    }
}
