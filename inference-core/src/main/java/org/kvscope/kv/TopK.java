package org.kvscope.kv;

import java.util.Arrays;

/**
 * Top-k selection without boxing or a full sort: each candidate becomes one {@code long} that
 * orders by score descending, then by index ascending (the policies' tie rule), and a
 * quickselect moves the k smallest keys to the front in linear expected time.
 */
final class TopK {
    private TopK() {}

    /**
     * A key that sorts ascending by {@code score} descending, then {@code index} ascending. Scores
     * compare like {@link Float#compare}, except that −0 equals +0; NaN ranks above every number.
     *
     * @param index at least 0
     */
    static long key(float score, int index) {
        int bits = Float.floatToIntBits(score + 0f);
        int sortable = bits ^ ((bits >> 31) & 0x7fffffff);
        return ((long) ~sortable << 32) | index;
    }

    /** The index a {@link #key} was made with. */
    static int index(long key) {
        return (int) key;
    }

    /** Rearranges {@code keys[0..len)} so that its {@code k} smallest come first, in no particular order. */
    static void partition(long[] keys, int len, int k) {
        int lo = 0, hi = len - 1, target = k - 1;
        if (k <= 0 || k >= len) {
            return;
        }
        while (hi > lo) {
            int mid = (lo + hi) >>> 1;
            if (keys[mid] < keys[lo]) {
                swap(keys, mid, lo);
            }
            if (keys[hi] < keys[lo]) {
                swap(keys, hi, lo);
            }
            if (keys[hi] < keys[mid]) {
                swap(keys, hi, mid);
            }
            long pivot = keys[mid];
            int i = lo, j = hi;
            while (i <= j) {
                while (keys[i] < pivot) {
                    i++;
                }
                while (keys[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    swap(keys, i++, j--);
                }
            }
            if (target <= j) {
                hi = j;
            } else if (target >= i) {
                lo = i;
            } else {
                return;
            }
        }
    }

    /** Indices in {@code [from, to)} of the {@code k} best scores (ties: lower index), increasing. */
    static int[] best(float[] scores, int from, int to, int k) {
        int len = Math.max(0, to - from);
        k = Math.max(0, Math.min(k, len));
        long[] keys = new long[len];
        for (int i = 0; i < len; i++) {
            keys[i] = key(scores[from + i], from + i);
        }
        partition(keys, len, k);
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            out[i] = index(keys[i]);
        }
        Arrays.sort(out);
        return out;
    }

    private static void swap(long[] a, int i, int j) {
        long t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}
