package org.kvscope.viz.tools;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javafx.application.Platform;

/**
 * Watches the JavaFX application thread for stalls: a watcher thread keeps one heartbeat queued on
 * the FX thread and measures the FX thread's CPU time between queueing it and its run, i.e. how
 * long the tasks and pulses ahead of it kept the thread busy. CPU time, not wall time, so a machine
 * shared with other processes does not raise false alarms. A busy period longer than the limit is
 * recorded as a {@link Stall} with the FX thread's stack sampled while it was over the limit.
 */
public final class FxStallWatch implements AutoCloseable {
    /** One busy period of the FX thread longer than the limit. */
    public record Stall(long cpuNanos, long wallNanos, String stack) {
        @Override
        public String toString() {
            return String.format("FX thread busy %.0f ms CPU (%.0f ms wall)%s", cpuNanos / 1e6, wallNanos / 1e6,
                    stack.isEmpty() ? "" : ", in:\n" + stack);
        }
    }

    private static final int STACK_FRAMES = 14;
    private final long limitNanos;
    private final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    /** A heartbeat's busy period: wall-clock start and end (System.nanoTime), FX CPU, sampled stack. */
    private record Busy(long from, long to, long cpuNanos, String stack) {
        boolean overlaps(long[] span) {
            return from <= span[1] && to >= span[0];
        }
    }

    private final List<Busy> busy = new ArrayList<>();
    private final List<long[]> excluded = new ArrayList<>();
    private final Thread watcher;
    private volatile boolean stopped;
    private volatile Thread fx;

    private FxStallWatch(long limitMillis) {
        this.limitNanos = TimeUnit.MILLISECONDS.toNanos(limitMillis);
        if (mx.isThreadCpuTimeSupported() && !mx.isThreadCpuTimeEnabled()) {
            mx.setThreadCpuTimeEnabled(true);
        }
        watcher = new Thread(this::watch, "kvscope-fx-stall-watch");
        watcher.setDaemon(true);
    }

    /** Starts watching (the FX toolkit must be running) with a stall limit in milliseconds. */
    public static FxStallWatch start(long limitMillis) throws InterruptedException {
        FxStallWatch w = new FxStallWatch(limitMillis);
        CountDownLatch known = new CountDownLatch(1);
        Platform.runLater(() -> {
            w.fx = Thread.currentThread();
            known.countDown();
        });
        if (!known.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the FX thread did not answer within 60 s");
        }
        w.watcher.start();
        return w;
    }

    /** CPU time the FX thread has used so far, in nanoseconds. */
    public long fxCpuNanos() {
        return mx.getThreadCpuTime(fx.threadId());
    }

    /** The stalls seen so far, less those overlapping an {@linkplain #exclude excluded} span. */
    public synchronized List<Stall> stalls() {
        return counted().filter(b -> b.cpuNanos > limitNanos)
                .map(b -> new Stall(b.cpuNanos, b.to - b.from, b.stack)).toList();
    }

    /** The longest busy period seen so far (CPU nanoseconds), stalls or not, outside excluded spans. */
    public synchronized long maxCpuNanos() {
        return counted().mapToLong(Busy::cpuNanos).max().orElse(0);
    }

    /** Forgets what was seen so far. */
    public synchronized void reset() {
        busy.clear();
        excluded.clear();
    }

    /**
     * Discounts every busy period that overlaps the wall-clock span {@code [fromNanos, toNanos]}
     * ({@link System#nanoTime()}), e.g. a window being built and shown for the first time, which is
     * start-up rather than a response to the user. Periods recorded later that overlap still count as
     * excluded, so the caller need not wait for the watcher.
     */
    public synchronized void exclude(long fromNanos, long toNanos) {
        excluded.add(new long[] {fromNanos, toNanos});
    }

    private java.util.stream.Stream<Busy> counted() {
        return busy.stream().filter(b -> excluded.stream().noneMatch(b::overlaps));
    }

    /** Stops watching; returns the stalls seen. */
    @Override
    public void close() throws InterruptedException {
        stopped = true;
        watcher.interrupt();
        watcher.join(5_000);
    }

    private void watch() {
        while (!stopped) {
            CountDownLatch ran = new CountDownLatch(1);
            long cpu0 = fxCpuNanos();
            long wall0 = System.nanoTime();
            try {
                Platform.runLater(ran::countDown);
            } catch (IllegalStateException toolkitGone) {
                return;
            }
            String stack = "";
            try {
                while (!ran.await(5, TimeUnit.MILLISECONDS)) {
                    if (stopped) {
                        return;
                    }
                    if (stack.isEmpty() && fxCpuNanos() - cpu0 > limitNanos) {
                        stack = stackOf(fx);
                    }
                }
            } catch (InterruptedException e) {
                return;
            }
            long cpu = fxCpuNanos() - cpu0;
            long wall = System.nanoTime() - wall0;
            if (cpu > 0) {
                synchronized (this) {
                    busy.add(new Busy(wall0, wall0 + wall, cpu, cpu > limitNanos ? stack : ""));
                }
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static String stackOf(Thread t) {
        return Arrays.stream(t.getStackTrace()).limit(STACK_FRAMES).map(f -> "    at " + f)
                .collect(Collectors.joining("\n"));
    }
}
