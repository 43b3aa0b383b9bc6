package org.kvscope.backend.cpu;

import java.util.IdentityHashMap;
import java.util.Map;
import org.kvscope.gguf.GGMLType;
import org.kvscope.model.LayerWeights;
import org.kvscope.model.ModelConfig;
import org.kvscope.model.ModelWeights;
import org.kvscope.tensor.FloatTensor;
import org.kvscope.tensor.Parallel;

/**
 * A model small enough that {@link CpuForward} runs it on {@link ScalarKernels}, on the calling
 * thread (only long prefill chunks' attention heads and input rows go to all cores,
 * {@link #attentionPaysCores}, {@link #projectionPaysCores}):
 * its F32 matrices copied to the heap. On such a model (stories260K: width 64, heads of
 * 8 dimensions) each kernel call is too short for the vector kernels' set-up and for handing work to
 * another core, and a cold process spends seconds in the Vector API's interpreted fallbacks before C2
 * compiles them (docs/BENCHMARKS.md, issue 16). The results are the vector path's, bit for bit.
 */
final class SmallModel {
    /** Widest embedding that takes this path; only F32 matrices qualify (their kernels have scalar twins). */
    static final int MAX_DIM = 128;

    private final Map<FloatTensor, float[]> matrices = new IdentityHashMap<>();
    /** Working memory of the kernels that add a vector's lanes; one thread at a time. */
    final float[] lanes = new float[ScalarKernels.LANES];

    private SmallModel(ModelWeights w) {
        for (FloatTensor t : matrices(w)) {
            matrices.computeIfAbsent(t, m -> {
                float[] values = new float[Math.toIntExact(m.size())];
                m.dequantize(0, values, 0, values.length);
                return values;
            });
        }
    }

    /**
     * Whether a layer's attention over {@code n} new rows after {@code before} cached ones is worth
     * spreading its heads over the cores: only long prefill chunks (a 64-row chunk at 256 keys and
     * on), where each head's share is tens of microseconds against a hand-off's few.
     */
    static boolean attentionPaysCores(int n, int before) {
        return n >= AttentionKernels.MIN_QUERIES && (long) n * (before + n) >= PARALLEL_ATTENTION_PAIRS;
    }

    /** Query-key pairs per head from which {@link #attentionPaysCores} says yes. */
    static final long PARALLEL_ATTENTION_PAIRS = 16_384;

    /** The small-model path for these weights, or null when the model is too wide or has non-F32 matrices. */
    static SmallModel of(ModelConfig c, ModelWeights w) {
        return fits(c, w) ? new SmallModel(w) : null;
    }

    /** Whether {@link #of} takes these weights: embedding and query width at most {@link #MAX_DIM}, F32 matrices only. */
    static boolean fits(ModelConfig c, ModelWeights w) {
        if (c.dim() > MAX_DIM || c.qDim() > MAX_DIM) {
            return false;
        }
        for (FloatTensor t : matrices(w)) {
            if (t.type() != GGMLType.F32) {
                return false;
            }
        }
        return true;
    }

    /** Every matrix a forward pass multiplies by. */
    private static FloatTensor[] matrices(ModelWeights w) {
        LayerWeights[] layers = w.layers();
        FloatTensor[] all = new FloatTensor[7 * layers.length + 1];
        int i = 0;
        for (LayerWeights l : layers) {
            for (FloatTensor t : new FloatTensor[] {l.wq(), l.wk(), l.wv(), l.wo(), l.gate(), l.up(), l.down()}) {
                all[i++] = t;
            }
        }
        all[i] = w.output();
        return all;
    }

    /** {@code weight}'s product with n input rows, as {@link FloatTensor#matvec} (n = 1) or {@link FloatTensor#matmul}. */
    void project(FloatTensor weight, float[] in, float[] out, int n, int rows, int cols) {
        float[] w = matrices.get(weight);
        if ((long) rows * cols > w.length) {
            throw new IllegalArgumentException(rows + "×" + cols + " exceeds the tensor's " + w.length + " elements");
        }
        if (projectionPaysCores(n, rows, cols)) {
            Parallel.forRange(n, PARALLEL_PROJECTION_ROWS,
                    (from, to) -> ScalarKernels.projectBatch(w, in, out, from, to, rows, cols));
        } else {
            ScalarKernels.project(w, in, out, n, rows, cols, lanes);
        }
    }

    /**
     * Whether a product with {@code n} input rows is worth spreading its input rows over the cores: a
     * prefill chunk's (from {@value #PARALLEL_PROJECTION_ROWS} rows per core and {@value #PARALLEL_PROJECTION_MACS}
     * multiply-adds), not a decode step's. Each input row's outputs are computed alone and in the same
     * order on whichever thread takes it, so the results do not depend on the split.
     */
    static boolean projectionPaysCores(int n, int rows, int cols) {
        return n >= 2 * PARALLEL_PROJECTION_ROWS && (long) n * rows * cols >= PARALLEL_PROJECTION_MACS;
    }

    /** Input rows per share of a parallel projection, at least. */
    static final int PARALLEL_PROJECTION_ROWS = 8;
    /** Multiply-adds from which {@link #projectionPaysCores} says yes (a 16-row chunk through a 64 × 64 matrix). */
    static final long PARALLEL_PROJECTION_MACS = 65_536;
}
