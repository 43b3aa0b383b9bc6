package org.kvscope.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Splits index ranges over the machine's cores: the calling thread and {@code cores − 1} resident
 * workers each take the chunks of their own contiguous part of the range in order, then help
 * with the others' until the range is done.
 *
 * <p>Decoding one token runs about a hundred short parallel loops (each weight matrix, then
 * attention), a fraction of a millisecond each, so the cost of starting a loop matters as much as
 * the loop. A fork/join pool parks its idle workers and must wake them through the OS for every
 * loop, tens of microseconds each on a virtual machine. Here the caller works too, and idle
 * workers spin briefly ({@link #SPIN_NANOS}) before they park, so back-to-back loops start at once
 * while an idle process still sleeps.
 *
 * <p>Only one loop runs on the workers at a time: a loop started from inside a loop's body, or
 * from a second thread while another loop is running, runs on its calling thread alone. Either way
 * the result is the same; only the speed differs. An exception thrown by the body is rethrown to
 * the caller once every participant has stopped.
 */
public final class Parallel {
    private static final int THREADS = Math.max(1, Integer.getInteger("kvscope.threads",
            Runtime.getRuntime().availableProcessors()));
    /** How long an idle worker spins for the next loop before it parks. */
    static final long SPIN_NANOS = 200_000;
    /** Chunks per participant: enough to balance uneven cores, few enough to keep the counter cold. */
    private static final int CHUNKS_PER_THREAD = 8;

    private static final ReentrantLock BUSY = new ReentrantLock();
    private static final ThreadLocal<Boolean> INSIDE = ThreadLocal.withInitial(() -> false);
    /** The one loop the workers run, reused loop after loop (so a hand-off allocates nothing); guarded by BUSY. */
    private static final Loop LOOP = new Loop();
    private static final Worker[] WORKERS = startWorkers();

    private Parallel() {}

    /** Body over a half-open index range. */
    @FunctionalInterface
    public interface IntRangeBody {
        void run(int from, int to);
    }

    public static int threads() { return THREADS; }

    /**
     * Runs {@code body} over [0, n) in chunks of at least {@code grain} indices, on the calling
     * thread and the workers together; returns when every index is done.
     */
    public static void forRange(int n, int grain, IntRangeBody body) {
        forRange(n, grain, CHUNKS_PER_THREAD, body);
    }

    /**
     * {@link #forRange(int, int, IntRangeBody)} in about {@code chunksPerThread} chunks per participant (at least
     * {@code grain} indices each). Loops of long indices (prefill's weight tiles, attention's query ranges) want
     * many: the caller waits at the loop's end for the chunk the worker is still in, half a chunk on average, and
     * at eight chunks per participant a chunk of a 256-row prefill's products or attention was 30–240 µs.
     */
    public static void forRange(int n, int grain, int chunksPerThread, IntRangeBody body) {
        forRange(n, grain, chunksPerThread, 0, body);
    }

    /**
     * {@link #forRange(int, int, int, IntRangeBody)} whose chunks shrink toward {@code tail} indices (at least
     * {@code grain}) as a participant's region runs out: a chunk is a quarter of what is left of the region
     * (2 × cores), at most the full chunk and at least the tail. A loop ends with one core finishing the chunk it
     * is in while the other, out of chunks, waits; with full chunks to the end that is half a chunk on average,
     * with guided ones at most about a tail. Decode's products run this way, their chunks about 2 MiB of weights
     * and their tails a few rows. {@code tail} 0 (or at least the chunk): every chunk full, as the other forms.
     */
    public static void forRange(int n, int grain, int chunksPerThread, int tail, IntRangeBody body) {
        if (n <= 0) {
            return;
        }
        int g = Math.max(1, grain);
        if (WORKERS.length == 0 || n < 2 * g || INSIDE.get() || !BUSY.tryLock()) {
            body.run(0, n);
            return;
        }
        try {
            int parts = THREADS * Math.max(1, chunksPerThread);
            int chunk = Math.max(g, (n + parts - 1) / parts);
            Loop loop = LOOP;
            long opened = LoopStats.ON ? System.nanoTime() : 0L;
            loop.open(body, n, chunk, tail <= 0 ? chunk : Math.min(chunk, Math.max(g, tail)));
            boolean wasParked = false;
            for (Worker w : WORKERS) {
                if (w.parked) {
                    wasParked = true;
                    LockSupport.unpark(w);
                }
            }
            INSIDE.set(true);
            try {
                loop.work(0);
            } finally {
                INSIDE.set(false);
            }
            long callerDone = LoopStats.ON ? System.nanoTime() : 0L;
            loop.closeAndAwaitWorkers();
            if (LoopStats.ON) {
                LoopStats.add(n, opened, loop.workerEntered, callerDone, System.nanoTime(), wasParked, loop.callerChunks,
                        loop.chunksRun.get());
                loop.workerEntered = 0L;
            }
            Throwable failure = loop.failure;
            loop.body = null;
            loop.failure = null;
            if (failure instanceof RuntimeException e) {
                throw e;
            } else if (failure instanceof Error e) {
                throw e;
            }
        } finally {
            BUSY.unlock();
        }
    }

    private static Worker[] startWorkers() {
        Worker[] workers = new Worker[THREADS - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i);
            workers[i].start();
        }
        return workers;
    }

    /**
     * The parallel loop: the participants' regions of chunks and the workers inside it, reopened for every
     * loop with the next generation. Its state word holds the generation (high 32 bits), a closed
     * flag and the count of workers inside; a worker joins only a generation it has not joined
     * yet and only while it is open, so one that arrives late, after its loop closed or the next
     * opened under a new generation, cannot slip into the wrong one. The caller closes the loop
     * once every chunk is taken and waits for the workers still inside. It never waits for a
     * worker the OS has not scheduled yet: on a busy machine that wait, not the work, was most of
     * a small model's decode time.
     */
    private static final class Loop {
        private static final long CLOSED = 1L << 31, COUNT = CLOSED - 1;
        private static final int PAD = 8;
        /** Generation, closed flag, workers inside; published last when a loop opens. */
        final AtomicLong state = new AtomicLong(CLOSED);
        /**
         * Per participant, its region of indices [lo, hi) as lo &lt;&lt; 32 | hi, {@link #PAD} longs
         * apart (a cache line each): the owner takes chunks from the front, so each core streams
         * one contiguous run of rows and its prefetcher never restarts; a core that is done takes
         * the others' last chunks. Dealt out chunk by chunk from one counter, the two cores' chunks
         * interleaved and each core's memory stream broke at every chunk: two cores streamed a
         * small model's matrices no faster than one.
         */
        final AtomicLongArray regions = new AtomicLongArray(THREADS * PAD);
        IntRangeBody body;
        /** Indices, a full chunk, and the smallest guided chunk ({@code tail == chunk}: every chunk full). */
        int n, chunk, tail;
        volatile Throwable failure;
        /** {@link LoopStats} only: when the first worker entered (0: none did), chunks the caller ran. */
        volatile long workerEntered;
        int callerChunks;
        /** {@link LoopStats} only: chunks run by every participant. */
        final AtomicInteger chunksRun = new AtomicInteger();

        /** Sets up the next generation (no worker is inside: the last one was closed and drained). */
        void open(IntRangeBody body, int n, int chunk, int tail) {
            this.body = body;
            this.n = n;
            this.chunk = chunk;
            this.tail = tail;
            int chunks = (n + chunk - 1) / chunk;
            for (int q = 0; q < THREADS; q++) {
                long lo = Math.min(n, (long) q * chunks / THREADS * chunk);
                long hi = Math.min(n, (long) (q + 1) * chunks / THREADS * chunk);
                regions.set(q * PAD, lo << 32 | hi);
            }
            callerChunks = 0;
            if (LoopStats.ON) {
                chunksRun.set(0);
            }
            state.set((state.get() >>> 32) + 1 << 32); // the volatile write publishes the fields above
        }

        /** The open generation, or -1 when closed. */
        long openGeneration() {
            long s = state.get();
            return (s & CLOSED) != 0 ? -1 : s >>> 32;
        }

        /** Joins the loop if it is still generation {@code generation} and open. */
        boolean enter(long generation) {
            for (long s = state.get(); (s & CLOSED) == 0 && s >>> 32 == generation; s = state.get()) {
                if (state.compareAndSet(s, s + 1)) {
                    return true;
                }
            }
            return false;
        }

        void leave() {
            state.decrementAndGet();
        }

        /**
         * Runs chunks as participant {@code p} (0: the caller, i + 1: worker i): its own region
         * front to back, then the others' from their backs, until every region is empty.
         */
        void work(int p) {
            try {
                for (long c = take(p, true); c >= 0; c = take(p, true)) {
                    run(c, p);
                }
                for (int k = 1; k < THREADS; k++) {
                    int other = (p + k) % THREADS;
                    for (long c = take(other, false); c >= 0; c = take(other, false)) {
                        run(c, p);
                    }
                }
            } catch (Throwable t) {
                synchronized (this) {
                    if (failure == null) {
                        failure = t;
                    }
                }
                for (int q = 0; q < THREADS; q++) {
                    regions.set(q * PAD, 0L); // empty: the others stop at their next chunk
                }
            }
        }

        /** Runs the chunk [c &gt;&gt;&gt; 32, (int) c) as participant p. */
        private void run(long c, int p) {
            body.run((int) (c >>> 32), (int) c);
            if (LoopStats.ON) {
                chunksRun.incrementAndGet();
                if (p == 0) {
                    callerChunks++;
                }
            }
        }

        /**
         * The first (owner) or last (helper) chunk left in participant p's region as from &lt;&lt; 32 | to, or -1 when it
         * is empty.
         */
        private long take(int p, boolean front) {
            int at = p * PAD;
            while (true) {
                long r = regions.get(at);
                int lo = (int) (r >>> 32), hi = (int) r;
                if (lo >= hi) {
                    return -1;
                }
                int size = size(lo, hi, front);
                if (regions.compareAndSet(at, r, front ? r + ((long) size << 32) : r - size)) {
                    return front ? (long) lo << 32 | (lo + size) : (long) (hi - size) << 32 | hi;
                }
            }
        }

        /**
         * The next chunk's length from a region [lo, hi): full chunks on chunk boundaries (the range's last one partial)
         * while every chunk is full; guided, a quarter of the region's rest (2 × cores) within [tail, chunk], and the
         * whole rest (at most a chunk) when less than a tail would be left.
         */
        private int size(int lo, int hi, boolean front) {
            int rest = hi - lo;
            if (tail >= chunk) {
                int part = front ? chunk : hi % chunk;
                return Math.min(rest, part == 0 ? chunk : part);
            }
            int size = Math.max(tail, Math.min(chunk, rest / (2 * THREADS)));
            return rest - size < tail ? Math.min(rest, chunk) : size;
        }

        void closeAndAwaitWorkers() {
            long s = state.get();
            while (!state.compareAndSet(s, s | CLOSED)) {
                s = state.get();
            }
            while ((state.get() & COUNT) != 0) {
                Thread.onSpinWait();
            }
        }
    }

    /** A resident daemon thread that joins each loop once, then waits for the next. */
    private static final class Worker extends Thread {
        volatile boolean parked;
        /** The generation last joined (or found closed). */
        private long last;
        private final int index;

        Worker(int index) {
            super("kvscope-parallel-" + index);
            this.index = index;
            setDaemon(true);
        }

        @Override
        public void run() {
            INSIDE.set(true);
            while (true) {
                long generation = awaitLoop();
                if (LOOP.enter(generation)) {
                    if (LoopStats.ON && LOOP.workerEntered == 0L) {
                        LOOP.workerEntered = System.nanoTime();
                    }
                    LOOP.work(index + 1);
                    LOOP.leave();
                }
            }
        }

        /** Waits for an open generation this worker has not joined. */
        private long awaitLoop() {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (true) {
                long generation = LOOP.openGeneration();
                if (generation > 0 && generation != last) {
                    last = generation;
                    return generation;
                }
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                    continue;
                }
                parked = true;
                generation = LOOP.openGeneration();
                if (generation <= 0 || generation == last) {
                    LockSupport.park(this);
                }
                parked = false;
                spinUntil = System.nanoTime() + SPIN_NANOS;
            }
        }
    }
}
