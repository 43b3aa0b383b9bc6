package org.kvscope.app.ui.vm;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.TimeUnit;

/** Holds submitted tasks until the test runs them: what a view model does before its background work, and after. */
final class QueuedExecutorService extends AbstractExecutorService {
    private final Queue<Runnable> queue = new ArrayDeque<>();
    private volatile boolean shutdown;

    /** Tasks submitted and not yet run. */
    int pending() { return queue.size(); }

    /** Runs the queued tasks, and those they submit, until none is left. */
    void runAll() {
        for (Runnable r = queue.poll(); r != null; r = queue.poll()) {
            r.run();
        }
    }

    @Override public void execute(Runnable command) { queue.add(command); }
    @Override public void shutdown() { shutdown = true; }
    @Override public List<Runnable> shutdownNow() { shutdown = true; queue.clear(); return List.of(); }
    @Override public boolean isShutdown() { return shutdown; }
    @Override public boolean isTerminated() { return shutdown; }
    @Override public boolean awaitTermination(long timeout, TimeUnit unit) { return true; }
}
