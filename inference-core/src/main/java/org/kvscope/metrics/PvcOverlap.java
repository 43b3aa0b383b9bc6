package org.kvscope.metrics;

import java.util.Arrays;

/**
 * Pivotal-context (PvC) overlap helpers: top-k key sets and their overlap, between the PvC of a
 * recent window and that of later tokens (PyramidInfer's definition, {@link #recentVsLater}) or
 * between consecutive queries ({@link #consecutive}). {@link PvcConsistency} applies them to a capture.
 */
public final class PvcOverlap {
    private PvcOverlap() {}

    /**
     * Top-k positions of a row over keys 0..count-1 (ties to the earlier position), increasing.
     */
    public static int[] topK(float[] row, int count, int k) {
        Integer[] idx = new Integer[count];
        for (int i = 0; i < count; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> row[a] != row[b] ? Float.compare(row[b], row[a]) : Integer.compare(a, b));
        int n = Math.min(k, count);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = idx[i];
        }
        Arrays.sort(out);
        return out;
    }

    /** |A ∩ B| / max(|A|, |B|) for two increasing position lists (1.0 when both are empty). */
    public static double overlap(int[] a, int[] b) {
        int i = 0, j = 0, common = 0;
        while (i < a.length && j < b.length) {
            if (a[i] == b[j]) {
                common++;
                i++;
                j++;
            } else if (a[i] < b[j]) {
                i++;
            } else {
                j++;
            }
        }
        int denom = Math.max(a.length, b.length);
        return denom == 0 ? 1.0 : (double) common / denom;
    }

    /**
     * Mean overlap of consecutive queries' top-k sets, each restricted to keys both can see
     * (0..countA-1 where countA is the earlier query's visible count).
     */
    public static double consecutive(float[][] rows, int[] counts, int k) {
        if (rows.length < 2) {
            return Double.NaN;
        }
        double sum = 0;
        for (int r = 0; r + 1 < rows.length; r++) {
            int shared = Math.min(counts[r], counts[r + 1]);
            sum += overlap(topK(rows[r], shared, k), topK(rows[r + 1], shared, k));
        }
        return sum / (rows.length - 1);
    }

    /**
     * PyramidInfer's PvC overlap: the top-k keys (among {@code keys} prompt positions) of the mean
     * attention of the {@code recent} rows, against each later row's own top-k among the same keys;
     * the mean of |PvC_recent ∩ PvC_later| / k over the later rows (NaN when there are none).
     */
    public static double recentVsLater(float[][] recent, int keys, float[][] later, int k) {
        if (later.length == 0 || recent.length == 0) {
            return Double.NaN;
        }
        float[] ensemble = new float[keys];
        for (float[] row : recent) {
            for (int p = 0; p < Math.min(keys, row.length); p++) {
                ensemble[p] += row[p] / recent.length;
            }
        }
        int[] pvc = topK(ensemble, keys, k);
        double sum = 0;
        for (float[] row : later) {
            int count = Math.min(keys, row.length);
            sum += overlap(pvc, RowOrder.top(new RowOrder(row, count), count, k));
        }
        return sum / later.length;
    }
}
