package org.kvscope.metrics;

import java.util.Arrays;

/**
 * Positions of an attention row sorted by weight, descending (ties to the earlier position), and
 * each position's rank: top-k sets for any k, and their overlaps, in O(k) after one sort.
 */
public final class RowOrder {
    private final int[] order;
    private final int[] rank;

    /** Sorts the first {@code count} weights of a non-negative row. */
    public RowOrder(float[] row, int count) {
        long[] keys = new long[count];
        for (int i = 0; i < count; i++) {
            int bits = Float.floatToIntBits(Math.max(0f, row[i]));
            keys[i] = ((long) (Integer.MAX_VALUE - bits) << 32) | i;
        }
        Arrays.sort(keys);
        order = new int[count];
        rank = new int[count];
        for (int r = 0; r < count; r++) {
            order[r] = (int) keys[r];
            rank[order[r]] = r;
        }
    }

    public int count() { return order.length; }

    /** Position at rank r (0 = heaviest). */
    public int at(int r) { return order[r]; }

    /** Rank of a position, or Integer.MAX_VALUE when beyond the row. */
    public int rankOf(int position) {
        return position < rank.length ? rank[position] : Integer.MAX_VALUE;
    }

    /**
     * |top-k(a) ∩ top-k(b)| / k over the positions both rows see: a's top-k among positions below
     * {@code shared}, compared with b's top-k among the same positions.
     */
    public static double overlap(RowOrder a, RowOrder b, int shared, int k) {
        int[] topA = top(a, shared, k);
        int[] topB = top(b, shared, k);
        return PvcOverlap.overlap(topA, topB);
    }

    /** The k heaviest positions below {@code limit}, increasing. */
    static int[] top(RowOrder o, int limit, int k) {
        int n = Math.min(k, Math.min(limit, o.count()));
        int[] out = new int[n];
        int found = 0;
        for (int r = 0; r < o.count() && found < n; r++) {
            if (o.order[r] < limit) {
                out[found++] = o.order[r];
            }
        }
        Arrays.sort(out, 0, found);
        return found == n ? out : Arrays.copyOf(out, found);
    }
}
