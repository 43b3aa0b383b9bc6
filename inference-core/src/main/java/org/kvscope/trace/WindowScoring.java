package org.kvscope.trace;

import java.util.Arrays;

/**
 * Position scores from the window rows' sums (SnapKV's family, TOVA's), which {@link AttentionEvidence}
 * can compute during the prefill, as soon as the last window row of a score group's heads is recorded,
 * for the selection to read ({@link AttentionEvidence#windowScores}). Each query head's
 * {@linkplain AttentionEvidence#windowSum window sum} is pooled over neighbouring keys ({@link #pool}),
 * then the group's heads are combined in head order: mean ({@code out += pooled / heads}) or maximum.
 *
 * <p>With a {@code varianceWeight} γ (CAKE's scores, {@link #fromMoments}) a head's input is not its window sum but
 * its window moments' (float) (sum / window + γ·variance) per key before the window ({@link
 * AttentionEvidence#windowWeightSums}, {@link AttentionEvidence#windowVariances}); the evidence must then add up
 * the moments.
 *
 * @param kernel         pooling kernel, odd; 1 = no pooling
 * @param maxPooling     max pooling instead of average pooling
 * @param maxOverHeads   the group's maximum instead of its mean
 * @param perLayer       one score group per layer (all its query heads) instead of one per kv-head
 * @param scoresWindow   whether the window's own positions are scored too (otherwise they score 0)
 * @param varianceWeight γ of the moments' input, or NaN for the window sums
 */
public record WindowScoring(int kernel, boolean maxPooling, boolean maxOverHeads, boolean perLayer,
                            boolean scoresWindow, double varianceWeight) {

    /** Scores from the window sums (no moments). */
    public WindowScoring(int kernel, boolean maxPooling, boolean maxOverHeads, boolean perLayer, boolean scoresWindow) {
        this(kernel, maxPooling, maxOverHeads, perLayer, scoresWindow, Double.NaN);
    }

    /**
     * CAKE's eviction scores: per kv-head, the mean over its query heads of the average-pooled
     * (float) (mean + γ·variance) of each key's window weights; the window's own positions score 0.
     */
    public static WindowScoring moments(int kernel, double gamma) {
        if (Double.isNaN(gamma)) {
            throw new IllegalArgumentException("the variance weight must be a number");
        }
        return new WindowScoring(kernel, false, false, false, false, gamma);
    }

    /** True when each head's input is its window moments' mean + γ·variance ({@link #moments}), not its window sum. */
    public boolean fromMoments() {
        return !Double.isNaN(varianceWeight);
    }

    /**
     * Field by field, written out: a record's generated {@code equals} bootstraps method handles at its first
     * call, milliseconds of the first selection in a fresh JVM.
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof WindowScoring w && kernel == w.kernel && maxPooling == w.maxPooling
                && maxOverHeads == w.maxOverHeads && perLayer == w.perLayer && scoresWindow == w.scoresWindow
                && Double.compare(varianceWeight, w.varianceWeight) == 0;
    }

    @Override
    public int hashCode() {
        return (kernel * 16 + (maxPooling ? 8 : 0) + (maxOverHeads ? 4 : 0) + (perLayer ? 2 : 0) + (scoresWindow ? 1 : 0))
                * 31 + Double.hashCode(varianceWeight);
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
     * The scores of one group from its heads' window moments ({@link #fromMoments}): per head
     * {@code sums[first .. first + heads)} of the weights and {@code variances} of each key before a window of
     * {@code window} queries (n − window keys), made into (float) (sum / window + γ·variance), then pooled and
     * combined like window sums; n positions, the window's 0.
     */
    public float[] scores(double[][] sums, double[][] variances, int first, int heads, int n, int window) {
        if (!fromMoments() || scoresWindow) {
            throw new IllegalStateException("scores from window moments need a variance weight and an unscored window");
        }
        int upto = n - window;
        float[][] raw = new float[first + heads][];
        for (int h = first; h < first + heads; h++) {
            double[] sum = sums[h], var = variances[h];
            float[] r = raw[h] = new float[upto];
            for (int k = 0; k < upto; k++) {
                r[k] = (float) (sum[k] / window + varianceWeight * var[k]);
            }
        }
        return scores(raw, first, heads, n, window);
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
