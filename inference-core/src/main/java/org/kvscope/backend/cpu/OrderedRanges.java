package org.kvscope.backend.cpu;

import java.util.ArrayDeque;
import java.util.Arrays;
import org.kvscope.tensor.Parallel;
import org.kvscope.trace.AttentionObserver;

/**
 * Keeps an {@link AttentionObserver}'s calls for each query head of a layer in query order and one at a time
 * when the head's rows are computed as ranges on several threads ({@code CpuForward.attendSplit}). Per layer:
 * {@link #open}, then {@link #want} for each range that holds a row the observer wants. A wanted range that
 * starts once every earlier wanted range of its head is delivered reports its rows as it computes them
 * ({@link #startsInOrder}); any other records them in {@link Rows}, and they are delivered, in range order,
 * by whichever range's {@link #finish} completes the run before them. Ranges no row of which is wanted take
 * no part. {@link #close} checks that every wanted range was delivered.
 *
 * <p>A range recorded first costs a copy of its rows and a second pass over them, so the parallel loop runs the
 * ranges in {@link #item}'s order, which lets nearly every range start in order: each participant's region of the
 * loop (about {@code heads × ranges / threads} indices, {@link Parallel}'s regions) runs its ranges a kv-head's
 * query heads at a time, the highest kv-head first, and those range by range, the highest head first. The head a
 * region shares with the next one then has its early ranges at the front of its region and its later ones at the
 * back of the next, and a range stolen from the back of a region (a last range) finds its head's earlier ranges done
 * long before; a kv-head's keys and values stay in use for all its heads' ranges, as in head order. In head order
 * (the loop index as head × ranges + range) the next region started with the shared head's later ranges, and every
 * stolen range was its head's last while the one before it ran: 7% of H2O's wanted ranges were recorded first in
 * head order, 1–5% in this order (SmolLM2-135M shape, 2 threads, a few JVMs each; docs/BENCHMARKS.md, pin22).
 */
final class OrderedRanges {
    private final int heads, ranges;
    private final boolean[] wanted;    // [head * ranges + range]
    private final int[] next;          // per head: its first wanted range not yet delivered (ranges: none left)
    private final Rows[] parked;       // [head * ranges + range]: recorded, waiting for the ranges before
    private final Object[] locks;      // per head
    private final int[] items;         // loop index -> head * ranges + range
    private final ArrayDeque<Rows> free = new ArrayDeque<>(); // guarded by itself
    private AttentionObserver obs;
    private int layer;

    /** For {@code heads} query heads, {@code group} to a kv-head, each computed as {@code ranges} ranges of rows. */
    OrderedRanges(int heads, int group, int ranges) {
        this.heads = heads;
        this.ranges = ranges;
        wanted = new boolean[heads * ranges];
        next = new int[heads];
        parked = new Rows[heads * ranges];
        locks = new Object[heads];
        for (int h = 0; h < heads; h++) {
            locks[h] = new Object();
        }
        items = loopOrder(heads, group, ranges, Parallel.threads());
    }

    /** The range (head × ranges + range) that index i of the parallel loop over heads × ranges runs. */
    int item(int i) {
        return items[i];
    }

    /**
     * Each participant's region [q × n / threads, (q + 1) × n / threads) of the n = heads × ranges indices holds the
     * ranges it held in head order, sorted by kv-head (heads h / group) from the highest down, then by range, then by
     * head from the highest down.
     */
    static int[] loopOrder(int heads, int group, int ranges, int threads) {
        int n = heads * ranges, t = Math.max(1, Math.min(threads, n));
        int[] order = new int[n];
        int at = 0;
        for (int q = 0; q < t; q++) {
            int lo = (int) ((long) q * n / t), hi = (int) ((long) (q + 1) * n / t);
            for (int g = (heads - 1) / group; g >= 0; g--) {
                for (int r = 0; r < ranges; r++) {
                    for (int h = Math.min(heads, (g + 1) * group) - 1; h >= g * group; h--) {
                        int item = h * ranges + r;
                        if (item >= lo && item < hi) {
                            order[at++] = item;
                        }
                    }
                }
            }
        }
        return order;
    }

    /** Starts a layer whose wanted rows go to {@code obs}; no range is wanted until {@link #want}. */
    OrderedRanges open(int layer, AttentionObserver obs) {
        this.layer = layer;
        this.obs = obs;
        Arrays.fill(wanted, false);
        Arrays.fill(next, ranges);
        Arrays.fill(parked, null); // a layer that failed may have left some
        return this;
    }

    /** Range r of head h holds a row the observer wants. Call before the ranges run. */
    void want(int h, int r) {
        wanted[h * ranges + r] = true;
        next[h] = Math.min(next[h], r);
    }

    boolean wanted(int h, int r) {
        return wanted[h * ranges + r];
    }

    /** Whether wanted range r of head h may report its rows as it computes them: the ranges before are delivered. */
    boolean startsInOrder(int h, int r) {
        synchronized (locks[h]) {
            return next[h] == r;
        }
    }

    /** Somewhere to record wanted range r of head h's rows (for one that did not start in order). */
    Rows rows(int h) {
        Rows rows;
        synchronized (free) {
            rows = free.poll();
        }
        return (rows == null ? new Rows() : rows).reset(obs);
    }

    /**
     * Wanted range r of head h is computed: its {@code rows} (null when it reported them as it went) are delivered
     * now if every earlier wanted range is, else kept until they are; then any later ranges kept waiting for it.
     */
    void finish(int h, int r, Rows rows) {
        synchronized (locks[h]) {
            if (rows != null) {
                if (next[h] != r) {
                    parked[h * ranges + r] = rows;
                    return;
                }
                deliver(h, rows);
            }
            next[h] = nextWanted(h, r + 1);
            while (next[h] < ranges && parked[h * ranges + next[h]] != null) {
                int i = h * ranges + next[h];
                deliver(h, parked[i]);
                parked[i] = null;
                next[h] = nextWanted(h, next[h] + 1);
            }
        }
    }

    /** Ends the layer. @throws IllegalStateException if a wanted range was not delivered (a caller's bug) */
    void close() {
        for (int h = 0; h < heads; h++) {
            if (next[h] != ranges) {
                throw new IllegalStateException("layer " + layer + ", head " + h + ": range " + next[h]
                        + "'s attention rows were not delivered");
            }
        }
        obs = null;
    }

    private int nextWanted(int h, int from) {
        int r = from;
        while (r < ranges && !wanted[h * ranges + r]) {
            r++;
        }
        return r;
    }

    private void deliver(int h, Rows rows) {
        for (int i = 0; i < rows.count; i++) {
            if (rows.queries[i] == null) {
                obs.onAttention(layer, h, rows.query[i], rows.keys[i], rows.weights, rows.offset[i], rows.length[i]);
            } else {
                obs.onAttentionBlock(layer, h, rows.queries[i], rows.query[i], rows.block[i], rows.keys[i],
                        rows.weights, rows.offset[i], AttentionObserver.blockWidth(rows.length[i], rows.block[i]),
                        rows.length[i]);
            }
        }
        rows.reset(null);
        synchronized (free) {
            free.push(rows);
        }
    }

    /**
     * The wanted rows of one range, recorded in order (an observer in the range's place): single rows, and blocks
     * every row of which is wanted, kept as blocks (rows of {@link AttentionObserver#blockWidth}, zeros included)
     * and delivered as blocks.
     */
    static final class Rows implements AttentionObserver {
        private AttentionObserver obs;
        private float[] weights = new float[0];
        // per entry: query position (a block: index of its first in queries), weights' offset, (first) row's length,
        // rows in a block (1 for a single row)
        private int[] query = new int[0], offset = new int[0], length = new int[0], block = new int[0];
        private int[][] keys = new int[0][], queries = new int[0][]; // queries: a block's query positions, else null
        private int count, used;

        Rows reset(AttentionObserver obs) {
            this.obs = obs;
            Arrays.fill(keys, 0, count, null);
            Arrays.fill(queries, 0, count, null);
            count = 0;
            used = 0;
            return this;
        }

        @Override
        public boolean wants(int layer, int head, int queryPosition) {
            return obs.wants(layer, head, queryPosition);
        }

        @Override
        public void onAttention(int layer, int head, int queryPosition, int[] keyPositions, float[] w, int n) {
            onAttention(layer, head, queryPosition, keyPositions, w, 0, n);
        }

        @Override
        public void onAttention(int layer, int head, int queryPosition, int[] keyPositions, float[] w, int from,
                                int n) {
            int i = entry(n);
            System.arraycopy(w, from, weights, used, n);
            query[i] = queryPosition;
            length[i] = n;
            block[i] = 1;
            keys[i] = keyPositions;
            used += n;
        }

        @Override
        public void onAttentionBlock(int layer, int head, int[] queryPositions, int from, int rows, int[] keyPositions,
                                     float[] w, int wo, int rowStride, int firstCount) {
            for (int j = 0; j < rows; j++) {
                if (!obs.wants(layer, head, queryPositions[from + j])) { // only some: the wanted ones one by one
                    AttentionObserver.super.onAttentionBlock(layer, head, queryPositions, from, rows, keyPositions,
                            w, wo, rowStride, firstCount);
                    return;
                }
            }
            int width = AttentionObserver.blockWidth(firstCount, rows), i = entry(rows * width);
            for (int j = 0; j < rows; j++) { // each row with its zeros, rows of the block's width
                System.arraycopy(w, wo + j * rowStride, weights, used + j * width, width);
            }
            query[i] = from;
            length[i] = firstCount;
            block[i] = rows;
            keys[i] = keyPositions;
            queries[i] = queryPositions;
            used += rows * width;
        }

        /** A new entry at offset {@code used}, with room for n more floats. */
        private int entry(int n) {
            if (count == query.length) {
                int grown = Math.max(16, 2 * count);
                query = Arrays.copyOf(query, grown);
                offset = Arrays.copyOf(offset, grown);
                length = Arrays.copyOf(length, grown);
                block = Arrays.copyOf(block, grown);
                keys = Arrays.copyOf(keys, grown);
                queries = Arrays.copyOf(queries, grown);
            }
            if (used + n > weights.length) {
                weights = Arrays.copyOf(weights, Math.max(used + n, 2 * weights.length));
            }
            offset[count] = used;
            return count++;
        }
    }
}
