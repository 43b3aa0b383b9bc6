package org.kvscope.tensor;

import java.util.Map;
import java.util.TreeMap;

/**
 * What each parallel loop of {@link Parallel} spends on handing work to the cores, by loop size,
 * printed to stderr at exit: on with {@code -Dkvscope.parallel.stats=true}, otherwise the calls
 * fold away. Per size: loops, mean wall time, how long after the loop opened a worker entered
 * it, how often no worker entered or one had to be woken from parking, the caller's wait for
 * the workers after its last chunk, the caller's share of the chunks, and its own time between the
 * previous loop's end and this loop's start (serial work; gaps over a millisecond, between forward passes, left out).
 */
final class LoopStats {
    static final boolean ON = Boolean.getBoolean("kvscope.parallel.stats");
    /** {@code -Dkvscope.parallel.stats.skip=N}: the first N loops (a warm-up's, before the JIT compiled them) are left out. */
    private static final long SKIP = Long.getLong("kvscope.parallel.stats.skip", 0L);
    private static long seen;

    /** Per loop size: loops, total ns, join ns (loops joined), joined, woken, wait ns, caller chunks, chunks, gap ns, gaps. */
    private static final Map<Integer, long[]> BY_SIZE = new TreeMap<>();
    /** Gaps longer than this are between forward passes, not the serial work inside one. */
    private static final long MAX_GAP_NANOS = 1_000_000;
    /** When the last loop ended (0: none yet). */
    private static long lastEnd;

    static {
        if (ON) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> System.err.print(summary()), "parallel-stats"));
        }
    }

    private LoopStats() {}

    static void add(int n, long opened, long workerEntered, long callerDone, long end, boolean woken,
                    int callerChunks, int chunks) {
        synchronized (BY_SIZE) {
            if (seen++ < SKIP) {
                lastEnd = end;
                return;
            }
            long[] a = BY_SIZE.computeIfAbsent(n, k -> new long[10]);
            a[0]++;
            a[1] += end - opened;
            if (workerEntered != 0L) {
                a[2] += Math.max(0L, workerEntered - opened);
                a[3]++;
            }
            a[4] += woken ? 1 : 0;
            a[5] += end - callerDone;
            a[6] += callerChunks;
            a[7] += chunks;
            long gap = opened - lastEnd;
            if (lastEnd != 0L && gap >= 0 && gap < MAX_GAP_NANOS) {
                a[8] += gap;
                a[9]++;
            }
            lastEnd = end;
        }
    }

    static String summary() {
        StringBuilder out = new StringBuilder("parallel loops by size: size, loops, mean µs, worker joined after µs,"
                + " joined %, woken %, caller's wait µs, caller's chunks %,"
                + " gap before µs\n");
        synchronized (BY_SIZE) {
            for (Map.Entry<Integer, long[]> e : BY_SIZE.entrySet()) {
                long[] a = e.getValue();
                out.append(String.format("  %d, %d, %.1f, %.1f, %.0f, %.0f, %.1f, %.0f, %.1f%n", e.getKey(), a[0],
                        a[1] / 1e3 / a[0], a[3] == 0 ? 0.0 : a[2] / 1e3 / a[3], 100.0 * a[3] / a[0],
                        100.0 * a[4] / a[0], a[5] / 1e3 / a[0], 100.0 * a[6] / Math.max(1, a[7]),
                        a[9] == 0 ? 0.0 : a[8] / 1e3 / a[9]));
            }
        }
        return out.toString();
    }
}
