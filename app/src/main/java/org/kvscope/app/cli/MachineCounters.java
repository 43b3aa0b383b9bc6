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
 * @param gcCount        collections of every collector so far
 * @param jitMillis      JIT compilation time so far (0 when the JVM does not say)
 * @param processCpuNanos this process's CPU time so far (-1 when unknown)
 * @param busyMillis     all CPUs' non-idle time from /proc/stat, steal excluded (-1 without /proc/stat)
 * @param stealMillis    all CPUs' steal time from /proc/stat (-1 without it)
 * @param minorFaults    this process's minor page faults so far, from /proc/self/stat (-1 without it): first
 *                       touches of fresh memory (a heap grown again after a full collection shrank it)
 */
record MachineCounters(long gcMillis, long gcCount, long jitMillis, long processCpuNanos, long busyMillis,
                       long stealMillis, long minorFaults) {
    private static final Path STAT = Path.of("/proc/stat");
    private static final Path SELF_STAT = Path.of("/proc/self/stat");
    private static final Path THREAD_STAT = Path.of("/proc/thread-self/stat");
    /** USER_HZ on Linux: /proc/stat counts in hundredths of a second. */
    private static final long MILLIS_PER_TICK = 10;

    /** The counters now. */
    static MachineCounters now() {
        long gc = 0, count = 0;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            gc += Math.max(0, b.getCollectionTime());
            count += Math.max(0, b.getCollectionCount());
        }
        var jit = ManagementFactory.getCompilationMXBean();
        long jitMs = jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
        long cpu = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : -1;
        long[] stat = stat();
        return new MachineCounters(gc, count, jitMs, cpu, stat[0], stat[1], selfMinorFaults());
    }

    /** This process's minor faults from /proc/self/stat, or -1. */
    private static long selfMinorFaults() {
        return statField(SELF_STAT, MachineCounters::parseMinorFaults);
    }

    /** minflt, the 10th field of a /proc/PID/stat line (counted after the parenthesised command name), or -1. */
    static long parseMinorFaults(String line) {
        return fieldAfterName(line, 7); // state ppid pgrp session tty_nr tpgid flags minflt
    }

    /** The CPU the calling thread last ran on, from /proc/thread-self/stat, or -1 without it. */
    static int threadCpu() {
        return (int) statField(THREAD_STAT, MachineCounters::parseProcessor);
    }

    /** processor, the 39th field of a /proc/PID/stat line (counted after the parenthesised command name), or -1. */
    static int parseProcessor(String line) {
        return (int) fieldAfterName(line, 36); // fields 3 (state) .. 39 (processor)
    }

    /** One field read from a /proc stat file by {@code parse}, or -1 where the file is missing or unreadable. */
    private static long statField(Path file, java.util.function.ToLongFunction<String> parse) {
        try {
            return parse.applyAsLong(Files.readString(file));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Field {@code index} (0 = state) after the parenthesised command name of a stat line, or -1 if it has fewer. */
    private static long fieldAfterName(String line, int index) {
        int close = line.lastIndexOf(')');
        String[] f = close < 0 ? new String[0] : line.substring(close + 1).trim().split("\\s+");
        return f.length <= index ? -1 : Long.parseLong(f[index]);
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
        long faults = minorFaults < 0 || before.minorFaults < 0 ? -1 : minorFaults - before.minorFaults;
        return new Span(gcMillis - before.gcMillis, gcCount - before.gcCount, jitMillis - before.jitMillis, other, steal,
                faults);
    }

    /** A span's GC (ms and collections), JIT, other processes' CPU and steal, in ms, and minor faults (-1: unknown). */
    record Span(long gcMillis, long gcCount, long jitMillis, long otherCpuMillis, long stealMillis, long minorFaults) {
        @Override
        public String toString() {
            return "GC %d ms (%d), JIT %d ms, other processes %s, steal %s, minor faults %s".formatted(gcMillis, gcCount,
                    jitMillis, otherCpuMillis < 0 ? "?" : otherCpuMillis + " ms CPU", stealMillis < 0 ? "?" : stealMillis + " ms",
                    minorFaults < 0 ? "?" : minorFaults);
        }
    }
}
