package org.kvscope.trace;

import java.util.Arrays;

/**
 * Position scores from the window rows' sums (SnapKV's family, TOVA's), which {@link AttentionEvidence}
 * can compute during the prefill, as soon as the last window row of a score group's heads is recorded,
 * for the selection to read ({@link AttentionEvidence#windowScores}). Each query head's
 * {@linkplain AttentionEvidence#windowSum window sum} is pooled over neighbouring keys ({@link #pool}),
 * then the group's heads are combined in head order: mean ({@code out += pooled / heads}) or maximum.
 *
 * @param kernel       pooling kernel, odd; 1 = no pooling
 * @param maxPooling   max pooling instead of average pooling
 * @param maxOverHeads the group's maximum instead of its mean
 * @param perLayer     one score group per layer (all its query heads) instead of one per kv-head
 * @param scoresWindow whether the window's own positions are scored too (otherwise they score 0)
 */
public record WindowScoring(int kernel, boolean maxPooling, boolean maxOverHeads, boolean perLayer,
                            boolean scoresWindow) {

    /**
     * Field by field, written out: a record's generated {@code equals} bootstraps method handles at its first
     * call, milliseconds of the first selection in a fresh JVM.
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof WindowScoring w && kernel == w.kernel && maxPooling == w.maxPooling
                && maxOverHeads == w.maxOverHeads && perLayer == w.perLayer && scoresWindow == w.scoresWindow;
    }

    @Override
    public int hashCode() {
        return kernel * 16 + (maxPooling ? 8 : 0) + (maxOverHeads ? 4 : 0) + (perLayer ? 2 : 0) + (scoresWindow ? 1 : 0);
    }

    /**
     * The scores of one group, {@code n} positions, from its heads' window sums
     * {@code sums[first .. first + heads)} of a window of {@code window} queries.
     */
    public float[] scores(float[][] sums, int first, int heads, int n, int window) {
        int upto = scoresWindow ? n : n - window;
        float[] out = new float[n];
        if (maxOverHeads) {
            Arrays.fill(out, 0, upto, Float.NEGATIVE_INFINITY);
        }
        for (int h = first; h < first + heads; h++) {
            float[] pooled = kernel <= 1 ? sums[h] : pool(sums[h], upto, kernel, maxPooling); // no pooling: read in place
            if (maxOverHeads) {
                for (int k = 0; k < upto; k++) {
                    out[k] = Math.max(out[k], pooled[k]);
                }
            } else {
                for (int k = 0; k < upto; k++) {
                    out[k] += pooled[k] / heads;
                }
            }
        }
        return out;
    }

    /**
     * 1-D pooling with stride 1 and same-size output, of {@code x[0..len)}. Each output adds (or takes the max of) its
     * in-range neighbours from left to right; average pooling counts padding like PyTorch's default (the sum ÷ the
     * full kernel). The interior runs one neighbour offset at a time across all outputs (the same sums, in a loop the
     * compiler vectorises). Plain loops, not the Vector API: they run fast before the JIT's last tier too.
     */
    public static float[] pool(float[] x, int len, int kernel, boolean max) {
        if (kernel <= 1) {
            return Arrays.copyOf(x, len);
        }
        int half = kernel / 2;
        float[] out = new float[len];
        int lo = Math.min(half, len), hi = Math.max(lo, len - half); // interior [lo, hi): every neighbour in range
        if (max) {
            Arrays.fill(out, lo, hi, Float.NEGATIVE_INFINITY);
        }
        for (int j = -half; j <= half; j++) {
            if (max) {
                for (int i = lo; i < hi; i++) {
                    out[i] = Math.max(out[i], x[i + j]);
                }
            } else {
                for (int i = lo; i < hi; i++) {
                    out[i] += x[i + j];
                }
            }
        }
        if (!max) {
            for (int i = lo; i < hi; i++) {
                out[i] /= kernel;
            }
        }
        for (int i = 0; i < lo; i++) {
            out[i] = edge(x, len, i, half, kernel, max);
        }
        for (int i = hi; i < len; i++) {
            out[i] = edge(x, len, i, half, kernel, max);
        }
        return out;
    }

    /** One output of {@link #pool} near an end, over its in-range neighbours in {@code x[0..len)}. */
    private static float edge(float[] x, int len, int i, int half, int kernel, boolean max) {
        float acc = max ? Float.NEGATIVE_INFINITY : 0f;
        for (int j = Math.max(0, i - half); j <= Math.min(len - 1, i + half); j++) {
            acc = max ? Math.max(acc, x[j]) : acc + x[j];
        }
        return max ? acc : acc / kernel;
    }
}
