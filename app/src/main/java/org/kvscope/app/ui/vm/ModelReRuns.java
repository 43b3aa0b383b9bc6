package org.kvscope.app.ui.vm;

import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import org.kvscope.app.ui.Workbench;
import org.kvscope.engine.CompressedPerplexity;
import org.kvscope.kv.PolicyRegistry;

/**
 * The model re-runs behind one policy's perplexity and needle results: each {@link #schedule}
 * cancels the pending or running re-run and starts a new one after the debounce delay, on the
 * evaluation thread; results, progress and status reach the properties on the FX thread.
 */
public final class ModelReRuns {
    private final Workbench workbench;
    private final UiThreads threads;
    private final ObjectProperty<CompressedPerplexity.Result> perplexity = new SimpleObjectProperty<>();
    private final ObjectProperty<CompressedPerplexity.Result> baseline = new SimpleObjectProperty<>();
    private final ObjectProperty<Workbench.NeedleResults> needles = new SimpleObjectProperty<>();
    private final DoubleProperty progress = new SimpleDoubleProperty();
    private final StringProperty status = new SimpleStringProperty("");
    private final IntegerProperty started = new SimpleIntegerProperty();
    private final IntegerProperty finished = new SimpleIntegerProperty();
    private volatile boolean needlesEnabled = true;
    private ScheduledFuture<?> pending;
    private AtomicBoolean pendingCancel = new AtomicBoolean();

    public ModelReRuns(Workbench workbench, UiThreads threads) {
        this.workbench = workbench;
        this.threads = threads;
    }

    public ObjectProperty<CompressedPerplexity.Result> perplexityProperty() { return perplexity; }
    public ObjectProperty<CompressedPerplexity.Result> baselineProperty() { return baseline; }
    public ObjectProperty<Workbench.NeedleResults> needlesProperty() { return needles; }
    public DoubleProperty progressProperty() { return progress; }
    public StringProperty statusProperty() { return status; }
    public IntegerProperty startedProperty() { return started; }
    public IntegerProperty finishedProperty() { return finished; }

    /** Whether re-runs include the needle grid (perplexity always runs). */
    public void setNeedlesEnabled(boolean enabled) { this.needlesEnabled = enabled; }

    /** Clears the results (a new model or capture). */
    public void clear() {
        baseline.set(null);
        perplexity.set(null);
        needles.set(null);
    }

    /** Cancels what is pending or running and re-runs {@code policy} with {@code values} after the debounce delay. */
    public synchronized void schedule(RunContext ctx, String policy, Map<String, Object> values) {
        cancel();
        AtomicBoolean cancel = new AtomicBoolean();
        pendingCancel = cancel;
        threads.fx().execute(() -> status.set("re-run pending…"));
        pending = threads.evaluation().schedule(() -> run(ctx, policy, values, cancel),
                threads.debounce().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The user's Cancel: stops what is pending or running and says so (the next change starts a new one). */
    public void stop() {
        cancel();
        threads.fx().execute(() -> {
            progress.set(0);
            status.set("re-run cancelled");
        });
    }

    /** Cancels any pending or running re-run. */
    public synchronized void cancel() {
        pendingCancel.set(true);
        if (pending != null) {
            pending.cancel(false);
        }
    }

    private void run(RunContext ctx, String policy, Map<String, Object> values, AtomicBoolean cancel) {
        if (cancel.get()) {
            return;
        }
        boolean withNeedles = needlesEnabled && ctx.needleSuite() != null;
        unlessCancelled(cancel, () -> {
            started.set(started.get() + 1);
            progress.set(0);
            status.set("perplexity…");
        });
        try {
            CompressedPerplexity.Result base = ctx.baseline(workbench, cancel::get);
            CompressedPerplexity.Result ppl = workbench.perplexity(ctx.model(), ctx.run().promptTokens(),
                    PolicyRegistry.create(policy, values), cancel::get);
            if (cancel.get() || base == null) {
                return;
            }
            unlessCancelled(cancel, () -> {
                baseline.set(base);
                perplexity.set(ppl);
                progress.set(withNeedles ? 0.1 : 1);
            });
            Workbench.NeedleResults grid = null;
            if (withNeedles) {
                unlessCancelled(cancel, () -> status.set("needle grid…"));
                grid = workbench.needles(ctx.model(), ctx.needleCases(workbench), policy, values,
                        ctx.needleBaselines(), p -> unlessCancelled(cancel, () -> progress.set(0.1 + 0.9 * p)),
                        cancel::get);
            }
            if (cancel.get()) {
                return;
            }
            Workbench.NeedleResults g = grid;
            unlessCancelled(cancel, () -> {
                if (g != null) {
                    needles.set(g);
                }
                progress.set(1);
                status.set("up to date");
                finished.set(finished.get() + 1);
            });
        } catch (CancellationException e) {
            // superseded by a newer change
        } catch (RuntimeException e) {
            unlessCancelled(cancel, () -> status.set("re-run failed: " + e.getMessage()));
        }
    }

    /**
     * Applies {@code update} on the FX thread unless the re-run was cancelled by then: a Cancel or a newer change
     * that comes while a re-run's results wait for the FX thread drops them, so a cancelled re-run never shows
     * (or leaves a stale status) of its own.
     */
    private void unlessCancelled(AtomicBoolean cancel, Runnable update) {
        threads.fx().execute(() -> {
            if (!cancel.get()) {
                update.run();
            }
        });
    }
}
