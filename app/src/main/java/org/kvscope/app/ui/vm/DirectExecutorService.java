package org.kvscope.app.ui.vm;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.TimeUnit;

/** Runs each task on the submitting thread; for deterministic view-model tests. */
final class DirectExecutorService extends AbstractExecutorService {
    private volatile boolean shutdown;

    @Override public void execute(Runnable command) { command.run(); }
    @Override public void shutdown() { shutdown = true; }
    @Override public List<Runnable> shutdownNow() { shutdown = true; return List.of(); }
    @Override public boolean isShutdown() { return shutdown; }
    @Override public boolean isTerminated() { return shutdown; }
    @Override public boolean awaitTermination(long timeout, TimeUnit unit) { return true; }
}
