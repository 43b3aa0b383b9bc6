package org.kvscope.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.gguf.GGMLType;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.DecodeWindows;
import org.kvscope.kv.KeptPositions;
import org.kvscope.kv.KvCache;
import org.kvscope.kv.PolicyParameters;
import org.kvscope.kv.StreamingLlmPolicy;
import org.kvscope.model.Model;
import org.kvscope.model.ModelLoader;
import org.kvscope.model.ModelShape;
import org.kvscope.model.SyntheticModelWriter;
import org.kvscope.tensor.ExactKernels;
import org.kvscope.trace.AttentionObserver;

/**
 * A continuation teacher-forced in prefill chunks with a sink + sliding-window mask ({@link DecodeWindows})
 * against one decode step per token with the policy evicting after each: every attention row sees
 * exactly the same cache positions, its weights and the logits agree up to float rounding (the
 * projections run as matrix products instead of matrix-vector ones), and the cache ends holding the
 * same positions with the same occupancy. On the scalar small-model path (stories260K's shape), the
 * vector path (tiny-llama F32) and a Q8_0 cache-free quantized model, for StreamingLLM and for a policy
 * whose heads have different windows, some none (DuoAttention's shape).
 * Step-by-step decode against chunked prefill, both with the exact float kernels (native decode rounds its inputs to 8 bits).
 */
@ExactKernels
class WindowedTeacherForcingTest {
    @TempDir
    Path dir;

    @Test
    void streamingLlmOnTheScalarPath() throws Exception {
        try (Model m = model(ModelShape.TINY_STORIES, GGMLType.F32)) {
            compare(m, () -> streaming(24, 4), 100, 300); // two chunks of 256 and more
        }
    }

    @Test
    void streamingLlmOnTheVectorPath() throws Exception {
        try (Model m = model(ModelShape.TINY_LLAMA, GGMLType.F32)) {
            compare(m, () -> streaming(20, 2), 60, 120);
        }
    }

    @Test
    void mixedWindowsOnTheScalarAndQuantizedVectorPaths() throws Exception {
        try (Model m = model(ModelShape.TINY_STORIES, GGMLType.F32)) {
            compare(m, () -> new Mixed(m.config().layers(), m.config().kvHeads()), 80, 120);
        }
        try (Model m = model(ModelShape.TINY_LLAMA, GGMLType.Q8_0)) {
            compare(m, () -> new Mixed(m.config().layers(), m.config().kvHeads()), 60, 90);
        }
    }

    /** A prompt shorter than the window: the heads fill up during the continuation, then slide. */
    @Test
    void aWindowThatFillsDuringTheContinuation() throws Exception {
        try (Model m = model(ModelShape.TINY_STORIES, GGMLType.F32)) {
            compare(m, () -> streaming(64, 4), 30, 90);
        }
    }

    @Test
    void refusedWhenAHeadHoldsMoreThanItsWindow() throws Exception {
        try (Model m = model(ModelShape.TINY_STORIES, GGMLType.F32);
             InferenceSession s = new InferenceSession(m, SessionOptions.ofContext(200))) {
            s.setPolicy(new Mixed(m.config().layers(), m.config().kvHeads()) {
                @Override
                public KeptPositions selectAfterPrefill(PrefillContext ctx) {
                    return null; // keeps all 60: more than the bounded heads' windows
                }
            });
            s.prefill(prompt(m, 60));
            assertFalse(s.canTeacherForce());
            var e = assertThrows(IllegalStateException.class, () -> s.teacherForce(new int[] {5, 6}, (r, l, o) -> { }));
            assertTrue(e.getMessage().contains("token by token"), e.getMessage());
        }
    }

    @Test
    void windowsCheckTheirShape() {
        assertThrows(IllegalArgumentException.class, () -> DecodeWindows.uniform(2, 2, 4, 4));
        assertThrows(IllegalArgumentException.class, () -> new DecodeWindows(new int[2][2], new int[1][2]));
        DecodeWindows w = DecodeWindows.uniform(1, 1, 2, 5);
        assertEquals("[0, 1, 7, 8, 9]", Arrays.toString(w.kept(0, 0, new int[] {0, 1, 5, 6, 7, 8, 9}, 7)));
        assertEquals(null, w.kept(0, 0, new int[] {0, 1, 2, 3, 4}, 5));
    }

    private void compare(Model m, java.util.function.Supplier<CompressionPolicy> policy, int context, int length) {
        int[] tokens = prompt(m, length);
        int[] prefix = Arrays.copyOf(tokens, context), rest = Arrays.copyOfRange(tokens, context, length);
        int vocab = m.config().vocabSize();
        Rows stepped = new Rows(), forced = new Rows();
        float[][] steppedLogits = new float[rest.length][], forcedLogits = new float[rest.length][];
        int[][][] steppedHeld, forcedHeld;
        org.kvscope.metrics.CacheOccupancy steppedOccupancy, forcedOccupancy;
        try (InferenceSession s = new InferenceSession(m, SessionOptions.ofContext(length))) {
            s.setPolicy(policy.get());
            s.prefill(prefix);
            s.addObserver(stepped);
            for (int i = 0; i < rest.length; i++) {
                steppedLogits[i] = s.decode(rest[i]);
            }
            steppedHeld = held(s.cache());
            steppedOccupancy = s.occupancy();
        }
        try (InferenceSession s = new InferenceSession(m, SessionOptions.ofContext(length))) {
            s.setPolicy(policy.get());
            s.prefill(prefix);
            assertFalse(s.decodeOnlyAppends());
            assertTrue(s.canTeacherForce());
            s.addObserver(forced);
            s.teacherForce(rest, (row, logits, o) -> forcedLogits[row] = Arrays.copyOfRange(logits, o, o + vocab));
            forcedHeld = held(s.cache());
            forcedOccupancy = s.occupancy();
            assertEquals(length, s.position());
        }
        assertEquals(stepped.rows.size(), forced.rows.size());
        stepped.rows.sort(Row.ORDER);
        forced.rows.sort(Row.ORDER);
        for (int i = 0; i < stepped.rows.size(); i++) {
            Row a = stepped.rows.get(i), b = forced.rows.get(i);
            String what = "layer " + a.layer + " head " + a.head + " query " + a.query;
            assertEquals(List.of(a.layer, a.head, a.query), List.of(b.layer, b.head, b.query));
            assertArrayEquals(a.keys, b.keys, what);
            for (int k = 0; k < a.weights.length; k++) {
                assertEquals(a.weights[k], b.weights[k], 1e-5f, what);
            }
        }
        for (int i = 0; i < rest.length; i++) {
            assertNotNull(forcedLogits[i]);
            for (int v = 0; v < vocab; v++) {
                assertEquals(steppedLogits[i][v], forcedLogits[i][v], 1e-4f * Math.max(1f, Math.abs(steppedLogits[i][v])),
                        "row " + i + " logit " + v);
            }
        }
        assertTrue(Arrays.deepEquals(steppedHeld, forcedHeld), "held positions after the continuation");
        assertEquals(steppedOccupancy, forcedOccupancy);
        assertTrue(stepped.rows.stream().anyMatch(r -> r.keys.length < r.query + 1), "some row sees a window only");
    }

    private Model model(ModelShape shape, GGMLType type) throws Exception {
        Path file = dir.resolve(shape.name() + "-" + type + ".gguf");
        SyntheticModelWriter.write(shape, type, file, 5);
        return ModelLoader.load(file);
    }

    private static int[] prompt(Model m, int length) {
        return new SplittableRandom(11).ints(length, 3, m.config().vocabSize()).toArray();
    }

    private static StreamingLlmPolicy streaming(int budget, int sinks) {
        return new StreamingLlmPolicy(PolicyParameters.of(StreamingLlmPolicy.specs(), Map.of("budget", budget, "sinks", sinks)));
    }

    private static int[][][] held(KvCache c) {
        int[][][] out = new int[c.layers()][c.kvHeads()][];
        for (int l = 0; l < c.layers(); l++) {
            for (int h = 0; h < c.kvHeads(); h++) {
                out[l][h] = Arrays.copyOf(c.positions(l, h), c.size(l, h));
            }
        }
        return out;
    }

    /**
     * Keeps every position but the middle of the prompt after prefill; while decoding, kv-head 0 of each
     * layer keeps everything and the others slide windows of different widths and sinks.
     */
    private static class Mixed extends CompressionPolicy {
        private final DecodeWindows windows;

        Mixed(int layers, int kvHeads) {
            super(PolicyParameters.of(List.of(), Map.of()));
            int[][] sinks = new int[layers][kvHeads], entries = new int[layers][kvHeads];
            for (int l = 0; l < layers; l++) {
                for (int h = 0; h < kvHeads; h++) {
                    entries[l][h] = h == 0 ? DecodeWindows.UNBOUNDED : 12 + 7 * h + l;
                    sinks[l][h] = h == 0 ? 0 : (h + l) % 4;
                }
            }
            windows = new DecodeWindows(sinks, entries);
        }

        @Override public String name() { return "mixed-windows"; }

        @Override
        public KeptPositions selectAfterPrefill(PrefillContext ctx) {
            int[][][] out = new int[ctx.layers()][ctx.kvHeads()][];
            int[] all = java.util.stream.IntStream.range(0, ctx.promptLength()).toArray();
            for (int l = 0; l < out.length; l++) {
                for (int h = 0; h < out[l].length; h++) {
                    out[l][h] = windows.bounded(l, h) ? windows.kept(l, h, all, all.length) : all.clone();
                    if (out[l][h] == null) {
                        out[l][h] = Arrays.copyOf(all, all.length);
                    }
                }
            }
            return new KeptPositions(out);
        }

        @Override public DecodeWindows decodeWindows(int layers, int kvHeads) { return windows; }

        @Override
        public int[][][] onDecodeStep(DecodeContext ctx) {
            KvCache cache = ctx.cache();
            int[][][] out = new int[cache.layers()][cache.kvHeads()][];
            for (int l = 0; l < cache.layers(); l++) {
                for (int h = 0; h < cache.kvHeads(); h++) {
                    if (windows.bounded(l, h)) {
                        out[l][h] = windows.kept(l, h, cache.positions(l, h), cache.size(l, h));
                    }
                }
            }
            return out;
        }
    }

    private record Row(int layer, int head, int query, int[] keys, float[] weights) {
        static final java.util.Comparator<Row> ORDER = java.util.Comparator.comparingInt(Row::layer)
                .thenComparingInt(Row::head).thenComparingInt(Row::query);
    }

    /** Every attention row: its key positions and weights, copied. */
    private static final class Rows implements AttentionObserver {
        final List<Row> rows = java.util.Collections.synchronizedList(new ArrayList<>());

        @Override
        public void onAttention(int layer, int head, int query, int[] keys, float[] weights, int count) {
            rows.add(new Row(layer, head, query, Arrays.copyOf(keys, count), Arrays.copyOf(weights, count)));
        }
    }
}
