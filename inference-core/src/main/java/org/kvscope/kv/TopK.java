package org.kvscope.kv;

import org.kvscope.tensor.PolicyKernels;

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

    /** The score a {@link #key} was made with (−0 read as +0). */
    static float score(long key) {
        int sortable = ~(int) (key >>> 32);
        return Float.intBitsToFloat(sortable ^ ((sortable >> 31) & 0x7fffffff));
    }

    /** The index a {@link #key} was made with. */
    static int index(long key) {
        return (int) key;
    }

    /**
     * Rearranges {@code keys[0..len)} so that its {@code k} smallest come first, in no particular
     * order: for a {@code k} of at most an eighth of {@code len} (a budget against a long prompt)
     * with a heap of the best so far, otherwise a quickselect.
     */
    static void partition(long[] keys, int len, int k) {
        if (k <= 0 || k >= len) {
            return;
        }
        if (k <= len / 8) {
            smallestByHeap(keys, len, k);
            return;
        }
        int lo = 0, hi = len - 1, target = k - 1;
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

    /**
     * keys[0..k) become a max-heap of the k smallest: each later key is compared once with the
     * heap's largest and swapped in when smaller, a branch that soon goes one way (no quickselect
     * pass over every key with a branch that goes either way).
     */
    private static void smallestByHeap(long[] keys, int len, int k) {
        for (int i = k / 2 - 1; i >= 0; i--) {
            siftDown(keys, i, k);
        }
        for (int i = k; i < len; i++) {
            if (keys[i] < keys[0]) {
                swap(keys, i, 0);
                siftDown(keys, 0, k);
            }
        }
    }

    /** Moves heap[i] down the max-heap heap[0..size) to its place. */
    static void siftDown(long[] heap, int i, int size) {
        long v = heap[i];
        for (int c = 2 * i + 1; c < size; c = 2 * i + 1) {
            if (c + 1 < size && heap[c + 1] > heap[c]) {
                c++;
            }
            if (heap[c] <= v) {
                break;
            }
            heap[i] = heap[c];
            i = c;
        }
        heap[i] = v;
    }

    /**
     * Indices in {@code [from, to)} of the {@code k} best scores (ties: lower index), increasing: the
     * k-th best {@link #key} is found first (a heap of k keys for a small k, so nothing the length of
     * the range is allocated), then one pass in index order takes every position that ranks at or
     * above it (no sort). A score below the k-th best's is passed over on a float comparison.
     */
    static int[] best(float[] scores, int from, int to, int k) {
        return best(new float[][] {scores}, from, to, k)[0];
    }

    /**
     * {@link #best(float[], int, int, int)} of each row, in one call with the loops inline: a fresh JVM runs a
     * method's loops interpreted until their on-stack replacement is compiled and, in every later call of a
     * method called too few times to be compiled whole, again until the next check (up to 1,024 iterations
     * a loop), so one call per layer instead of two per kv-head spends far less of a first selection there.
     */
    static int[][] best(float[][] rows, int from, int to, int k) {
        int[] ks = new int[rows.length];
        java.util.Arrays.fill(ks, k);
        return best(rows, from, to, ks);
    }

    /**
     * {@link #best(float[], int, int, int)} of each row with its own {@code ks[row]}, in one call with the loops inline
     * (as above): the layers of a selection's share in one call, whatever their budgets.
     */
    static int[][] best(float[][] rows, int from, int to, int[] ks) {
        if (!PolicyKernels.available()) {
            return bestInJava(rows, from, to, ks);
        }
        int len = Math.max(0, to - from), most = 0;
        int[][] out = new int[rows.length][];
        for (int r = 0; r < rows.length; r++) {
            out[r] = new int[Math.max(0, Math.min(ks[r], len))];
            most = Math.max(most, out[r].length);
        }
        long[] heap = new long[most];
        for (int r = 0; r < rows.length; r++) {
            if (out[r].length > 0) {
                PolicyKernels.best(rows[r], from, to, heap, out[r]);
            }
        }
        return out;
    }

    /**
     * {@link #best(float[][], int, int, int[])} in Java, where the native library is unavailable (the tests' reference
     * for the native kernel, {@link PolicyKernels#best}: the same sets by construction, the k-th best key being
     * unique). A fresh JVM's first selection after a long prompt ran these loops in C1's profiling code while C2
     * compiled them on the other core (docs/BENCHMARKS.md, issue 15).
     */
    static int[][] bestInJava(float[][] rows, int from, int to, int[] ks) {
        int len = Math.max(0, to - from);
        int[][] out = new int[rows.length][];
        int heapSize = 0;
        for (int r = 0; r < rows.length; r++) {
            int k = Math.max(0, Math.min(ks[r], len));
            out[r] = new int[k];
            if (k <= len / 8) {
                heapSize = Math.max(heapSize, k);
            }
        }
        long[] heap = new long[heapSize]; // the k best keys so far, a max-heap in heap[0..k)
        for (int r = 0; r < rows.length; r++) {
            float[] scores = rows[r];
            int k = out[r].length;
            if (k == 0) {
                continue;
            }
            long last;
            if (k <= len / 8) {
                for (int i = 0; i < k; i++) {
                    heap[i] = key(scores[from + i], from + i);
                }
                for (int i = k / 2 - 1; i >= 0; i--) {
                    siftDown(heap, i, k);
                }
                float worst = scores[index(heap[0])];
                for (int i = from + k; i < to; i++) {
                    float s = scores[i];
                    if (s < worst) {
                        continue; // ranks below every key in the heap
                    }
                    long key = key(s, i);
                    if (key < heap[0]) {
                        heap[0] = key;
                        siftDown(heap, 0, k);
                        worst = scores[index(heap[0])];
                    }
                }
                last = heap[0];
            } else {
                last = kthBySelect(scores, from, to, k);
            }
            float lastScore = scores[index(last)];
            int[] o = out[r];
            for (int i = from, j = 0; j < k; i++) {
                float s = scores[i];
                if (!(s < lastScore) && key(s, i) <= last) {
                    o[j++] = i;
                }
            }
        }
        return out;
    }

    /** The k-th smallest key of the range (0 < k ≤ its length), by {@link #partition}. */
    private static long kthBySelect(float[] scores, int from, int to, int k) {
        int len = to - from;
        long[] keys = new long[len];
        for (int i = 0; i < len; i++) {
            keys[i] = key(scores[from + i], from + i);
        }
        partition(keys, len, k);
        long max = keys[0];
        for (int i = 1; i < k; i++) {
            max = Math.max(max, keys[i]);
        }
        return max;
    }

    private static void swap(long[] a, int i, int j) {
        long t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}
