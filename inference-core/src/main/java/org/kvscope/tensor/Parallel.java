package org.kvscope.tensor;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/** Splits index ranges over one shared pool sized to the machine's cores. */
public final class Parallel {
    private static final int THREADS = Math.max(1, Integer.getInteger("kvscope.threads",
            Runtime.getRuntime().availableProcessors()));
    private static final ForkJoinPool POOL = THREADS == 1 ? null : new ForkJoinPool(THREADS);

    private Parallel() {}

    /** Body over a half-open index range. */
    @FunctionalInterface
    public interface IntRangeBody {
        void run(int from, int to);
    }

    public static int threads() { return THREADS; }

    /**
     * Runs {@code body} over [0, n) in parallel chunks of at least {@code grain} indices
     * (about four chunks per thread for balance).
     */
    public static void forRange(int n, int grain, IntRangeBody body) {
        if (n <= 0) {
            return;
        }
        int chunks = Math.min(THREADS * 4, Math.max(1, n / Math.max(1, grain)));
        if (POOL == null || chunks <= 1) {
            body.run(0, n);
            return;
        }
        if (Thread.currentThread() instanceof java.util.concurrent.ForkJoinWorkerThread w && w.getPool() == POOL) {
            body.run(0, n); // nested call from inside a task: run inline
            return;
        }
        POOL.invoke(new Chunk(body, 0, n, Math.max(1, (n + chunks - 1) / chunks)));
    }

    private static final class Chunk extends RecursiveAction {
        private final IntRangeBody body;
        private final int from, to, size;

        Chunk(IntRangeBody body, int from, int to, int size) {
            this.body = body;
            this.from = from;
            this.to = to;
            this.size = size;
        }

        @Override
        protected void compute() {
            if (to - from <= size) {
                body.run(from, to);
                return;
            }
            int mid = from + ((to - from) / size / 2) * size;
            if (mid <= from) {
                mid = from + size;
            }
            invokeAll(new Chunk(body, from, mid, size), new Chunk(body, mid, to, size));
        }
    }
}
