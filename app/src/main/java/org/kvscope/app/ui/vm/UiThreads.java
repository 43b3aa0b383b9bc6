package org.kvscope.app.ui.vm;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import javafx.application.Platform;

/**
 * Where view-model work runs: {@code fx} applies results to properties, {@code worker} runs model
 * loads, captures and generation, {@code analysis} recomputes instant policy views (latest request
 * wins), {@code evaluation} runs the debounced model re-runs after {@code debounce}, {@code typing}
 * tokenises the prompt {@code typingDebounce} after the last keystroke (zero: at once).
 */
public record UiThreads(Executor fx, ExecutorService worker, ExecutorService analysis,
                        ScheduledExecutorService evaluation, Duration debounce,
                        ScheduledExecutorService typing, Duration typingDebounce) {
    /** Quiet time after a keystroke before the prompt is tokenised again. */
    public static final Duration TYPING_DEBOUNCE = Duration.ofMillis(150);

    /** The application's threads: results go to the JavaFX thread, work to daemon threads. */
    public static UiThreads standard() {
        return standard(Duration.ofMillis(400));
    }

    /** The application's threads with another debounce delay for model re-runs. */
    public static UiThreads standard(Duration debounce) {
        return new UiThreads(Platform::runLater, daemonPool("kvscope-worker"), daemonPool("kvscope-analysis"),
                Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "kvscope-evaluation")), debounce,
                Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "kvscope-typing")), TYPING_DEBOUNCE);
    }

    /** Everything except evaluation runs on the calling thread (for view-model unit tests). */
    public static UiThreads direct(Duration debounce) {
        return new UiThreads(Runnable::run, new DirectExecutorService(), new DirectExecutorService(),
                Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "kvscope-evaluation")), debounce,
                directScheduled(), Duration.ZERO);
    }

    /** A scheduled executor whose {@code execute} runs on the calling thread. */
    private static ScheduledExecutorService directScheduled() {
        return new ScheduledThreadPoolExecutor(1, r -> daemon(r, "kvscope-typing")) {
            @Override
            public void execute(Runnable command) {
                command.run();
            }
        };
    }

    private static ExecutorService daemonPool(String name) {
        return Executors.newSingleThreadExecutor(r -> daemon(r, name));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Stops the background threads. */
    public void shutdown() {
        worker.shutdownNow();
        analysis.shutdownNow();
        evaluation.shutdownNow();
        typing.shutdownNow();
    }

    /**
     * Waits, at most {@code limit} in all, until the threads stopped by {@link #shutdown()} have
     * finished their current jobs; true when they all have.
     */
    public boolean awaitStopped(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        try {
            for (ExecutorService e : List.of(worker, analysis, evaluation, typing)) {
                if (!e.awaitTermination(Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS)) {
                    return false;
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Runs {@code job} on the typing thread after {@link #typingDebounce} (at once when zero);
     * returns its future for cancelling, or null when it already ran.
     */
    public java.util.concurrent.Future<?> afterTyping(Runnable job) {
        if (typingDebounce.isZero()) {
            typing.execute(job);
            return null;
        }
        return typing.schedule(job, typingDebounce.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }
}
