package org.kvscope.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.kvscope.kv.KvCache;
import org.kvscope.kv.KvCacheType;
import org.kvscope.model.Architecture;
import org.kvscope.model.LayerWeights;
import org.kvscope.model.Model;
import org.kvscope.model.ModelConfig;
import org.kvscope.model.ModelLoader;
import org.kvscope.model.ModelWeights;
import org.kvscope.model.SharedModels;
import org.kvscope.tensor.ExactKernels;
import org.kvscope.tensor.FloatTensor;
import org.kvscope.tensor.VectorOps;
import org.kvscope.trace.AttentionObserver;

/**
 * The small-model path ({@link ScalarKernels} on one thread) against the vector kernels, bit for bit:
 * each kernel on head sizes 8, 64 and 128 and lengths that hit every tail, and whole forward passes
 * (prefill chunks of odd lengths, then decode) on models of those head sizes and on stories260K.
 * The vector path's F32 products are the Java kernels' ({@code --kernels java}): the native float
 * kernels sum in another order.
 */
@ExactKernels
class ScalarPathTest {
    private static final int L = VectorOps.F.length();
    private static final int[] HEAD_DIMS = {8, 64, 128};
    private static final int[] LENGTHS = {1, 3, 7, L - 1, L, 2 * L + 5, 4 * L, 4 * L + 3, 5 * L + 1, 150, 301};

    private static float[] gaussian(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * 0.5);
        }
        return x;
    }

    @Test
    void dotProductsAndProjectionsEqualTheVectorKernels() {
        float[] lanes = new float[ScalarKernels.LANES];
        for (int n : LENGTHS) {
            float[] a = gaussian(n + 3, n), b = gaussian(n + 5, 7L * n);
            assertEquals(VectorOps.dot(a, 3, b, 5, n), ScalarKernels.dot(a, 3, b, 5, n, lanes), "dot, n " + n);
            assertEquals(FloatTensor.ofFloats(a).dot(3, b, 5, n), ScalarKernels.dotF32(a, 3, b, 5, n, lanes),
                    "F32 dot, n " + n);
        }
        for (int cols : new int[] {8, 64, 172}) {
            for (int rows : new int[] {1, 7, 32, 67}) {
                float[] w = gaussian(rows * cols, rows * 31L + cols);
                FloatTensor tensor = FloatTensor.ofFloats(w);
                for (int batch : new int[] {1, 2, 5, 9}) {
                    float[] x = gaussian(batch * cols, batch);
                    float[] want = new float[batch * rows], got = new float[batch * rows];
                    tensor.matmul(x, want, batch, rows, cols);
                    ScalarKernels.project(w, x, got, batch, rows, cols, lanes);
                    assertArrayEquals(want, got, rows + "×" + cols + " batch " + batch);
                }
            }
        }
    }

    /** A prefill chunk's projection spreads its input rows over the cores; any split gives the matmul's floats. */
    @Test
    void projectionsSplitByInputRowsEqualTheMatmul() {
        int rows = 67, cols = 64, batch = 41;
        float[] w = gaussian(rows * cols, 11), x = gaussian(batch * cols, 12);
        float[] want = new float[batch * rows];
        FloatTensor tensor = FloatTensor.ofFloats(w);
        tensor.matmul(x, want, batch, rows, cols);
        for (int split : new int[] {1, 2, 17, 40}) {
            float[] got = new float[batch * rows];
            ScalarKernels.projectBatch(w, x, got, split, batch, rows, cols); // the later rows first, a single row too
            ScalarKernels.projectBatch(w, x, got, 0, split, rows, cols);
            assertArrayEquals(want, got, "split at " + split);
        }
        assertTrue(SmallModel.projectionPaysCores(batch, rows, cols));
        assertFalse(SmallModel.projectionPaysCores(1, rows, cols), "a decode step stays on its thread");
        ModelConfig c = config(8, 8, 4, 40);
        ModelWeights weights = weights(c, 1);
        SmallModel small = SmallModel.of(c, weights);
        float[] out = new float[batch * c.vocabSize()], expected = new float[batch * c.vocabSize()];
        float[] in = gaussian(batch * c.dim(), 13);
        weights.output().matmul(in, expected, batch, c.vocabSize(), c.dim());
        small.project(weights.output(), in, out, batch, c.vocabSize(), c.dim());
        assertArrayEquals(expected, out, "the output matrix over " + batch + " rows, on the cores");
    }

    @Test
    void softmaxAndSwigluEqualTheVectorKernels() {
        float[] lanes = new float[ScalarKernels.LANES];
        for (int n : LENGTHS) {
            float[] want = gaussian(n + 2, n);
            want[1] = -200f; // underflows to 0
            float[] got = want.clone();
            float wantSum = VectorOps.expShifted(want, 2, n, 0.25f);
            assertEquals(wantSum, ScalarKernels.expShifted(got, 2, n, 0.25f, lanes), "sum, n " + n);
            assertArrayEquals(want, got, "exp, n " + n);
            float[] gate = gaussian(n + 4, 3L * n), up = gaussian(n + 4, 5L * n);
            float[] gate2 = gate.clone();
            VectorOps.swiglu(gate, up, 4, n + 4);
            ScalarKernels.swiglu(gate2, up, 4, n + 4);
            assertArrayEquals(gate, gate2, "swiglu, n " + n);
        }
    }

    @Test
    void attentionScoresAndWeightedValuesEqualTheVectorKernels() {
        float scale = 0.125f;
        float[] lanes = new float[ScalarKernels.LANES];
        for (int hd : HEAD_DIMS) {
            for (int visible : LENGTHS) {
                int count = visible + 5;
                float[] keys = gaussian(count * hd, hd * 1000L + visible), q = gaussian(hd + 3, visible);
                float[] keysT = AttentionKernels.transposeKeys(keys, count, hd);
                int stride = AttentionKernels.stride(count);
                float[] want = new float[stride], got = new float[stride];
                AttentionKernels.scores(q, 3, keysT, stride, hd, visible, scale, want);
                ScalarKernels.scoresTransposedOrder(q, 3, keys, hd, visible, scale, got);
                assertArrayEquals(Arrays.copyOf(want, visible), Arrays.copyOf(got, visible), "transposed, hd " + hd);
                ScalarKernels.scoresDot(q, 3, keys, hd, visible, scale, got, lanes);
                for (int s = 0; s < visible; s++) {
                    assertEquals(VectorOps.dot(q, 3, keys, s * hd, hd) * scale, got[s], "dot scores, hd " + hd);
                }
                if (AttentionKernels.fourFit(hd)) {
                    float[] q4 = gaussian(4 * hd, hd + visible);
                    float[] rows = new float[4 * stride];
                    AttentionKernels.scoresFour(q4, 0, hd, keysT, stride, hd, visible, scale, rows, stride);
                    for (int j = 0; j < 4; j++) {
                        ScalarKernels.scoresScaledQuery(q4, j * hd, keys, hd, visible, scale, got, new float[hd]);
                        assertArrayEquals(Arrays.copyOfRange(rows, j * stride, j * stride + visible),
                                Arrays.copyOf(got, visible), "four, hd " + hd + " query " + j);
                    }
                }
                float[] p = gaussian(visible, visible + 1L), values = gaussian(visible * hd, hd + 7L * visible);
                float[] wantOut = new float[hd + 2], gotOut = new float[hd + 2];
                AttentionKernels.weightedValues(p, visible, values, hd, wantOut, 2);
                ScalarKernels.weightedValues(p, visible, values, hd, gotOut, 2);
                assertArrayEquals(wantOut, gotOut, "weighted values, hd " + hd + " keys " + visible);
            }
        }
    }

    @Test
    void onlyNarrowF32ModelsTakeTheScalarPath() {
        assertTrue(new CpuForward(config(8, 8, 4, 40), weights(config(8, 8, 4, 40), 1)).scalar());
        assertFalse(new CpuForward(config(8, 8, 4, 40), weights(config(8, 8, 4, 40), 1), false).scalar());
        ModelConfig wide = config(4, 64, 2, 40); // 256 wide
        assertNull(SmallModel.of(wide, weights(wide, 1)));
    }

    /** Every head size, with and without grouped queries, each cache type: logits and attention rows alike. */
    @Test
    void forwardPassesEqualTheVectorPathBitForBit() {
        for (ModelConfig c : List.of(config(8, 8, 4, 172), config(2, 64, 1, 200), config(1, 128, 1, 96))) {
            ModelWeights w = weights(c, c.headDim());
            for (KvCacheType type : List.of(KvCacheType.F32, KvCacheType.Q8_0)) {
                assertSameRuns(c, w, type, "head size " + c.headDim() + ", cache " + type);
            }
        }
    }

    @Test
    void stories260KTakesTheScalarPathWithTheVectorPathsResults() throws Exception {
        var file = SharedModels.find("stories260K.gguf");
        if (file.isEmpty()) {
            return; // the shared models are absent: the synthetic shapes above still ran
        }
        try (Model model = ModelLoader.load(file.get())) {
            assertTrue(new CpuForward(model.config(), model.weights()).scalar());
            assertSameRuns(model.config(), model.weights(), KvCacheType.F32, "stories260K");
        }
    }

    /** Prefill chunks of 37, 4 and 3 tokens, then five decode steps, on both paths. */
    private static void assertSameRuns(ModelConfig c, ModelWeights w, KvCacheType type, String what) {
        Run vector = new Run(new CpuForward(c, w, false), c, type), scalar = new Run(new CpuForward(c, w), c, type);
        assertTrue(scalar.forward.scalar() && !vector.forward.scalar(), what);
        int[] tokens = new SplittableRandom(3).ints(49, 0, c.vocabSize()).toArray();
        int position = 0;
        for (int n : new int[] {37, 4, 3, 1, 1, 1, 1, 1}) {
            vector.step(tokens, position, n);
            scalar.step(tokens, position, n);
            position += n;
        }
        assertEquals(vector.logits.size(), scalar.logits.size(), what);
        for (int i = 0; i < vector.logits.size(); i++) {
            assertArrayEquals(vector.logits.get(i), scalar.logits.get(i), what + ": logits row " + i);
        }
        assertEquals(vector.rows.keySet(), scalar.rows.keySet(), what);
        vector.rows.forEach((key, row) -> assertArrayEquals(row, scalar.rows.get(key), what + ": attention " + key));
    }

    /** One path's session: every row's logits, and every attention row reported, by (layer, head, position). */
    private static final class Run {
        final CpuForward forward;
        final KvCache cache;
        final List<float[]> logits = new ArrayList<>();
        final java.util.Map<String, float[]> rows = new java.util.concurrent.ConcurrentHashMap<>();
        final AttentionObserver observer = new AttentionObserver() {
            @Override
            public void onAttention(int layer, int head, int position, int[] positions, float[] weights, int count) {
                rows.put(layer + "/" + head + "/" + position, Arrays.copyOf(weights, count));
            }
        };

        Run(CpuForward forward, ModelConfig c, KvCacheType type) {
            this.forward = forward;
            this.cache = type.newCache(c.layers(), c.kvHeads(), c.headDim(), 64);
        }

        void step(int[] tokens, int position, int n) {
            int vocab = forward.config().vocabSize();
            forward.forward(tokens, position, n, position, cache, observer, null, true,
                    (row, values, o) -> logits.add(Arrays.copyOfRange(values, o, o + vocab)));
        }
    }

    static ModelConfig config(int heads, int headDim, int kvHeads, int ffn) {
        return new ModelConfig(Architecture.LLAMA, heads * headDim, ffn, 2, heads, kvHeads, headDim, 97, 64, 1e-5f,
                10000f, headDim, null);
    }

    static ModelWeights weights(ModelConfig c, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int dim = c.dim(), q = c.qDim(), kv = c.kvDim(), ffn = c.ffnDim();
        LayerWeights[] layers = new LayerWeights[c.layers()];
        for (int l = 0; l < layers.length; l++) {
            layers[l] = new LayerWeights(norm(dim, r), matrix(q * dim, r), matrix(kv * dim, r), matrix(kv * dim, r),
                    matrix(dim * q, r), null, null, null, norm(dim, r), matrix(ffn * dim, r), matrix(ffn * dim, r),
                    matrix(dim * ffn, r));
        }
        return new ModelWeights(matrix(c.vocabSize() * dim, r), layers, norm(dim, r), matrix(c.vocabSize() * dim, r),
                false);
    }

    private static FloatTensor matrix(int n, SplittableRandom r) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * 0.3);
        }
        return FloatTensor.ofFloats(v);
    }

    private static float[] norm(int n, SplittableRandom r) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (0.8 + 0.4 * r.nextDouble());
        }
        return v;
    }
}
