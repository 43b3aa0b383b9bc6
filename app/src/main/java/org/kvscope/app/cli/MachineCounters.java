package org.kvscope.app.cli;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What else used the machine while bench-policies timed a pair of prefills: this JVM's garbage
 * collections and JIT compilation, the CPU other processes took, and the time the hypervisor
 * withheld (steal). Counters at one instant; {@link #since} gives a span's share.
 *
 * @param gcMillis       collection time of every collector so far
 * @param jitMillis      JIT compilation time so far (0 when the JVM does not say)
 * @param processCpuNanos this process's CPU time so far (-1 when unknown)
 * @param busyMillis     all CPUs' non-idle time from /proc/stat, steal excluded (-1 without /proc/stat)
 * @param stealMillis    all CPUs' steal time from /proc/stat (-1 without it)
 */
record MachineCounters(long gcMillis, long jitMillis, long processCpuNanos, long busyMillis, long stealMillis) {
    private static final Path STAT = Path.of("/proc/stat");
    /** USER_HZ on Linux: /proc/stat counts in hundredths of a second. */
    private static final long MILLIS_PER_TICK = 10;

    /** The counters now. */
    static MachineCounters now() {
        long gc = 0;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            gc += Math.max(0, b.getCollectionTime());
        }
        var jit = ManagementFactory.getCompilationMXBean();
        long jitMs = jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
        long cpu = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : -1;
        long[] stat = stat();
        return new MachineCounters(gc, jitMs, cpu, stat[0], stat[1]);
    }

    /** {busy, steal} ms from /proc/stat's first line, or {-1, -1}. */
    private static long[] stat() {
        try {
            String line = Files.readAllLines(STAT).getFirst();
            return parseStat(line);
        } catch (IOException | RuntimeException e) {
            return new long[] {-1, -1};
        }
    }

    /** {busy, steal} ms from a /proc/stat "cpu" line: user nice system idle iowait irq softirq steal ... */
    static long[] parseStat(String line) {
        String[] f = line.trim().split("\\s+");
        if (!f[0].equals("cpu") || f.length < 9) {
            return new long[] {-1, -1};
        }
        long busy = 0;
        for (int i : new int[] {1, 2, 3, 6, 7}) { // user nice system irq softirq
            busy += Long.parseLong(f[i]);
        }
        return new long[] {busy * MILLIS_PER_TICK, Long.parseLong(f[8]) * MILLIS_PER_TICK};
    }

    /**
     * This span's share: GC and JIT ms in this JVM, CPU ms other processes took (all CPUs' busy
     * time less this process's, so -1 when either is unknown) and steal ms.
     */
    Span since(MachineCounters before) {
        long other = busyMillis < 0 || before.busyMillis < 0 || processCpuNanos < 0 ? -1
                : Math.max(0, busyMillis - before.busyMillis - (processCpuNanos - before.processCpuNanos) / 1_000_000);
        long steal = stealMillis < 0 || before.stealMillis < 0 ? -1 : stealMillis - before.stealMillis;
        return new Span(gcMillis - before.gcMillis, jitMillis - before.jitMillis, other, steal);
    }

    /** A span's GC, JIT, other processes' CPU and steal, in ms (-1: unknown). */
    record Span(long gcMillis, long jitMillis, long otherCpuMillis, long stealMillis) {
        @Override
        public String toString() {
            return "GC %d ms, JIT %d ms, other processes %s, steal %s".formatted(gcMillis, jitMillis,
                    otherCpuMillis < 0 ? "?" : otherCpuMillis + " ms CPU", stealMillis < 0 ? "?" : stealMillis + " ms");
        }
    }
}
