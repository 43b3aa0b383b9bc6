package org.kvscope.app.cli;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import org.kvscope.engine.InferenceSession;

/**
 * Two prefills of one prompt in turns, chunk by chunk (bench-policies' pairs): the first session's
 * chunk 0, then the second's chunk 0, the first's chunk 1, and so on, each session on a thread of
 * its own and never both at once. A turn lasts one forward call (256 tokens, well under a second on
 * the SmolLM2-135M shape), so the two prefills see the machine in the same state and drift slower
 * than that (another tenant's load, the host's clock) cancels in their ratio. Each prefill's time
 * is the sum of its turns, its work after the last chunk (the policy's selection) included; the
 * process's CPU time over its turns ({@link #cpuNanos}) is its work with the JVM's own (JIT, GC) in them, and
 * the CPU its thread ended each chunk on ({@link #chunkCpus}) shows where the OS placed it (issue 15: pairs whose
 * threads were pinned read tighter than those whose threads moved between the cores, docs/BENCHMARKS.md, h2o21).
 */
final class LockstepPrefill implements AutoCloseable {
    private static final java.lang.management.OperatingSystemMXBean OS =
            java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    private final ExecutorService[] threads = {thread("lockstep-a"), thread("lockstep-b")};
    private final long[] cpu = {-1, -1};
    private final String[] chunkCpus = {"", ""};

    private static ExecutorService thread(String name) {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Prefills {@code prompt} on both sessions in turns, {@code sessions[first]} taking the first
     * turn; each session always runs on the same thread of this object.
     *
     * @return nanoseconds each session's prefill held its turns, in the order of {@code sessions}
     */
    long[] run(InferenceSession[] sessions, int[] prompt, int first) throws Exception {
        Semaphore[] turn = {new Semaphore(first == 0 ? 1 : 0), new Semaphore(first == 0 ? 0 : 1)};
        AtomicBoolean[] done = {new AtomicBoolean(), new AtomicBoolean()};
        @SuppressWarnings("unchecked")
        Future<Long>[] spent = new Future[2];
        long[] cpuHeld = new long[2];
        StringBuilder[] where = {new StringBuilder(), new StringBuilder()};
        for (int s = 0; s < 2; s++) {
            int me = s, other = 1 - s;
            spent[s] = threads[s].submit(() -> {
                long[] held = {0, 0, 0, 0}; // total, start of the current turn; the same in process CPU time
                turn[me].acquire();
                held[1] = System.nanoTime();
                held[3] = processCpu();
                try {
                    sessions[me].prefill(prompt, () -> {
                        cpuOf(where[me]);
                        if (!done[other].get()) { // hand over; the other hands back after its chunk
                            held[0] += System.nanoTime() - held[1];
                            held[2] += processCpu() - held[3];
                            turn[other].release();
                            turn[me].acquireUninterruptibly();
                            held[1] = System.nanoTime();
                            held[3] = processCpu();
                        }
                    });
                    held[0] += System.nanoTime() - held[1];
                    held[2] += processCpu() - held[3];
                    cpuHeld[me] = held[3] < 0 ? -1 : held[2];
                } finally { // a failed prefill frees the other too
                    done[me].set(true);
                    turn[other].release();
                }
                return held[0];
            });
        }
        long[] nanos = new long[2];
        for (int s = 0; s < 2; s++) {
            try {
                nanos[s] = spent[s].get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception x ? x : e;
            }
        }
        System.arraycopy(cpuHeld, 0, cpu, 0, 2);
        for (int s = 0; s < 2; s++) {
            chunkCpus[s] = where[s].toString();
        }
        return nanos;
    }

    /** The process's CPU nanoseconds over each session's turns in the last {@link #run}, in its order (-1: unknown). */
    long[] cpuNanos() {
        return cpu.clone();
    }

    /**
     * Per session, in the order of the last {@link #run}'s sessions: the CPU its thread was on at the end of each of
     * its chunks, as numbers separated by dots ("0.0.1.1"; "?" where /proc does not say).
     */
    String[] chunkCpus() {
        return chunkCpus.clone();
    }

    private static void cpuOf(StringBuilder where) {
        int c = MachineCounters.threadCpu();
        where.append(where.isEmpty() ? "" : ".").append(c < 0 ? "?" : Integer.toString(c));
    }

    private static long processCpu() {
        return OS instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : -1;
    }

    @Override
    public void close() {
        for (ExecutorService t : threads) {
            t.shutdownNow();
        }
    }
}
