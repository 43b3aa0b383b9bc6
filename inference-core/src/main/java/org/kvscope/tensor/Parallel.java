package org.kvscope.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Splits index ranges over the machine's cores: the calling thread and {@code cores − 1} resident
 * workers take chunks from a shared counter until the range is done.
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
        if (n <= 0) {
            return;
        }
        int g = Math.max(1, grain);
        if (WORKERS.length == 0 || n < 2 * g || INSIDE.get() || !BUSY.tryLock()) {
            body.run(0, n);
            return;
        }
        try {
            int chunk = Math.max(g, (n + THREADS * CHUNKS_PER_THREAD - 1) / (THREADS * CHUNKS_PER_THREAD));
            Loop loop = LOOP;
            loop.open(body, n, chunk);
            for (Worker w : WORKERS) {
                if (w.parked) {
                    LockSupport.unpark(w);
                }
            }
            INSIDE.set(true);
            try {
                loop.work();
            } finally {
                INSIDE.set(false);
            }
            loop.closeAndAwaitWorkers();
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
     * The parallel loop: the shared chunk counter and the workers inside it, reopened for every
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
        /** Generation, closed flag, workers inside; published last when a loop opens. */
        final AtomicLong state = new AtomicLong(CLOSED);
        final AtomicInteger next = new AtomicInteger();
        IntRangeBody body;
        int n, chunk;
        volatile Throwable failure;

        /** Sets up the next generation (no worker is inside: the last one was closed and drained). */
        void open(IntRangeBody body, int n, int chunk) {
            this.body = body;
            this.n = n;
            this.chunk = chunk;
            next.set(0);
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

        void work() {
            try {
                for (int from = next.getAndAdd(chunk); from < n; from = next.getAndAdd(chunk)) {
                    body.run(from, Math.min(n, from + chunk));
                }
            } catch (Throwable t) {
                synchronized (this) {
                    if (failure == null) {
                        failure = t;
                    }
                }
                next.set(n); // the others stop at their next chunk
            }
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

        Worker(int index) {
            super("kvscope-parallel-" + index);
            setDaemon(true);
        }

        @Override
        public void run() {
            INSIDE.set(true);
            while (true) {
                long generation = awaitLoop();
                if (LOOP.enter(generation)) {
                    LOOP.work();
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
