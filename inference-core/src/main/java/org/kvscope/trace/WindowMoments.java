package org.kvscope.trace;

/**
 * What CAKE measures of each observation-window row, in double precision: the row's entropy term
 * and, per key, the sums of the weights and of their squares across rows. One loop, shared by the
 * evidence (which adds each row as it arrives during the prefill) and by a policy that computes
 * the same figures from stored rows, so both give the same doubles.
 */
public final class WindowMoments {
    private WindowMoments() {}

    /**
     * sum[k] += a and sq[k] += a·a for a = row[k], k below n, in key order, in the same pass as the
     * entropy term −Σ a·ln(a + 1e-10) of those weights, returned.
     */
    public static double addRow(float[] row, int n, double[] sum, double[] sq) {
        double entropy = 0;
        for (int k = 0; k < n; k++) {
            double a = row[k];
            sum[k] += a;
            sq[k] += a * a;
            entropy += a * Math.log(a + 1e-10);
        }
        return -entropy;
    }

    /**
     * Each key's sample variance over {@code w} rows from its sums, max(0, (sq − sum²/w) / (w − 1))
     * (0 for every key when w ≤ 1), into {@code var[0..n)}; returns their total, added in key order.
     */
    public static double variances(double[] sum, double[] sq, int n, int w, double[] var) {
        double total = 0;
        for (int k = 0; k < n; k++) {
            var[k] = w > 1 ? Math.max(0, (sq[k] - sum[k] * sum[k] / w) / (w - 1)) : 0;
            total += var[k];
        }
        return total;
    }
}
