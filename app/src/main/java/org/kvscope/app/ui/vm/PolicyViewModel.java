package org.kvscope.app.ui.vm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.LongProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleLongProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import org.kvscope.app.ui.Workbench;
import org.kvscope.engine.CompressedPerplexity;
import org.kvscope.kv.BudgetParameters;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.ParameterSpec;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.metrics.PolicyAnalysis;

/**
 * One policy under study: its name and parameter values, and everything derived from them. Each
 * change recomputes the instant views (kept positions, recall, overlap, memory, schedule) from the
 * captured run without re-running the model, and schedules a debounced background re-run of
 * perplexity and needle retrieval that the next change cancels.
 */
public final class PolicyViewModel {
    private static final int[] SWEEP = {4, 8, 16, 32, 64, 128, 256, 512, 1024};
    private static final int DEFAULT_LAYERS = 8;
    private static final int DEFAULT_PROMPT = 512;

    private final String label;
    private final Workbench workbench;
    private final UiThreads threads;
    private final StringProperty policyName = new SimpleStringProperty();
    private final ObjectProperty<Map<String, Object>> values = new SimpleObjectProperty<>(Map.of());
    private final ObjectProperty<List<ParameterSpec>> specs = new SimpleObjectProperty<>(List.of());
    private final ObjectProperty<int[]> layerBudgets = new SimpleObjectProperty<>();
    private final ObjectProperty<PolicyAnalysis> analysis = new SimpleObjectProperty<>();
    private final ObjectProperty<List<BudgetPoint>> recallCurve = new SimpleObjectProperty<>(List.of());
    private final StringProperty error = new SimpleStringProperty();
    private final LongProperty analysisNanos = new SimpleLongProperty();
    private final ObjectProperty<CompressedPerplexity.Result> perplexity = new SimpleObjectProperty<>();
    private final ObjectProperty<CompressedPerplexity.Result> baseline = new SimpleObjectProperty<>();
    private final ObjectProperty<Workbench.NeedleResults> needles = new SimpleObjectProperty<>();
    private final DoubleProperty evaluationProgress = new SimpleDoubleProperty();
    private final StringProperty evaluationStatus = new SimpleStringProperty("");
    private final IntegerProperty evaluationsStarted = new SimpleIntegerProperty();
    private final IntegerProperty evaluationsFinished = new SimpleIntegerProperty();
    private final AtomicLong analysisGeneration = new AtomicLong();
    private volatile SweepKey lastSweepKey;
    private volatile RunContext context;
    private volatile boolean needlesEnabled = true;
    private ScheduledFuture<?> pendingEvaluation;
    private AtomicBoolean pendingCancel = new AtomicBoolean();

    public PolicyViewModel(String label, Workbench workbench, UiThreads threads, String initialPolicy) {
        this.label = label;
        this.workbench = workbench;
        this.threads = threads;
        select(initialPolicy);
    }

    public String label() { return label; }
    public StringProperty policyNameProperty() { return policyName; }
    public String policyName() { return policyName.get(); }
    public ObjectProperty<Map<String, Object>> valuesProperty() { return values; }
    public Map<String, Object> values() { return values.get(); }
    public ObjectProperty<List<ParameterSpec>> specsProperty() { return specs; }
    public ObjectProperty<int[]> layerBudgetsProperty() { return layerBudgets; }
    public ObjectProperty<PolicyAnalysis> analysisProperty() { return analysis; }
    public PolicyAnalysis analysis() { return analysis.get(); }
    public ObjectProperty<List<BudgetPoint>> recallCurveProperty() { return recallCurve; }
    public StringProperty errorProperty() { return error; }
    public LongProperty analysisNanosProperty() { return analysisNanos; }
    public ObjectProperty<CompressedPerplexity.Result> perplexityProperty() { return perplexity; }
    public ObjectProperty<CompressedPerplexity.Result> baselineProperty() { return baseline; }
    public ObjectProperty<Workbench.NeedleResults> needlesProperty() { return needles; }
    public DoubleProperty evaluationProgressProperty() { return evaluationProgress; }
    public StringProperty evaluationStatusProperty() { return evaluationStatus; }
    public IntegerProperty evaluationsStartedProperty() { return evaluationsStarted; }
    public IntegerProperty evaluationsFinishedProperty() { return evaluationsFinished; }

    /** Whether the debounced re-run includes the needle grid (perplexity always runs). */
    public void setNeedlesEnabled(boolean enabled) { this.needlesEnabled = enabled; }

    /** Switches to another policy with its default parameters. */
    public void select(String name) {
        PolicyRegistry.Entry entry = PolicyRegistry.entry(name);
        List<ParameterSpec> s = entry.parameters();
        specs.set(s);
        policyName.set(entry.name());
        values.set(ParameterValues.defaults(s));
        changed();
    }

    /** Sets one parameter (validated against its spec); the views follow. */
    public void set(String name, Object value) {
        ParameterSpec spec = specs.get().stream().filter(p -> p.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("policy " + policyName.get()
                        + " has no parameter '" + name + "'"));
        Map<String, Object> next = new LinkedHashMap<>(values.get());
        next.put(name, spec.validate(value));
        values.set(next);
        changed();
    }

    /** Restores a policy and its values from text (as saved in a session). */
    public void restore(String name, Map<String, String> text) {
        PolicyRegistry.Entry entry = PolicyRegistry.entry(name);
        Map<String, Object> parsed = ParameterValues.parse(entry.parameters(), text);
        specs.set(entry.parameters());
        policyName.set(entry.name());
        values.set(parsed);
        changed();
    }

    /** A fresh policy instance with the current values. */
    public CompressionPolicy createPolicy() {
        return PolicyRegistry.create(policyName.get(), values.get());
    }

    /** New model or captured run: recompute everything against it (null clears the views). */
    public void setContext(RunContext context) {
        this.context = context;
        baseline.set(null);
        perplexity.set(null);
        needles.set(null);
        changed();
    }

    private void changed() {
        CompressionPolicy policy;
        try {
            policy = createPolicy();
        } catch (IllegalArgumentException e) {
            error.set(e.getMessage());
            return;
        }
        RunContext ctx = context;
        int layers = ctx == null ? DEFAULT_LAYERS : ctx.model().config().layers();
        int n = ctx == null ? DEFAULT_PROMPT : ctx.promptLength();
        try {
            layerBudgets.set(LayerSchedule.of(policy, layers, n));
        } catch (IllegalArgumentException e) {
            error.set(e.getMessage());
            return;
        }
        if (ctx == null) {
            error.set(null);
            return;
        }
        requestAnalysis(ctx);
        scheduleEvaluation(ctx);
    }

    private void requestAnalysis(RunContext ctx) {
        long generation = analysisGeneration.incrementAndGet();
        String name = policyName.get();
        Map<String, Object> vals = values.get();
        threads.analysis().execute(() -> {
            if (generation != analysisGeneration.get()) {
                return;
            }
            long t0 = System.nanoTime();
            try {
                PolicyAnalysis a = ctx.analyze(PolicyRegistry.create(name, vals));
                long took = System.nanoTime() - t0;
                threads.fx().execute(() -> {
                    if (generation == analysisGeneration.get()) {
                        error.set(null);
                        analysisNanos.set(took);
                        analysis.set(a);
                    }
                });
                List<BudgetPoint> curve = sweepKey(ctx, name, vals).equals(lastSweepKey) ? null
                        : sweep(ctx, name, vals, generation);
                if (curve != null) {
                    lastSweepKey = sweepKey(ctx, name, vals);
                    threads.fx().execute(() -> {
                        if (generation == analysisGeneration.get()) {
                            recallCurve.set(curve);
                        }
                    });
                }
            } catch (IllegalArgumentException | IllegalStateException e) {
                threads.fx().execute(() -> {
                    if (generation == analysisGeneration.get()) {
                        error.set(e.getMessage());
                    }
                });
            }
        });
    }

    /** The sweep depends on everything but the budget itself: moving only the budget reuses it. */
    private static SweepKey sweepKey(RunContext ctx, String name, Map<String, Object> vals) {
        Map<String, String> rest = new LinkedHashMap<>(ParameterValues.format(vals));
        rest.remove(BudgetParameters.BUDGET);
        return new SweepKey(ctx, name, rest);
    }

    private record SweepKey(RunContext context, String policy, Map<String, String> otherValues) {}

    private List<BudgetPoint> sweep(RunContext ctx, String name, Map<String, Object> vals, long generation) {
        if (!vals.containsKey(BudgetParameters.BUDGET)) {
            return List.of();
        }
        List<BudgetPoint> out = new ArrayList<>();
        int n = ctx.promptLength();
        for (int b : SWEEP) {
            if (generation != analysisGeneration.get()) {
                return null;
            }
            if (b > n) {
                break;
            }
            Map<String, Object> v = new LinkedHashMap<>(vals);
            v.put(BudgetParameters.BUDGET, b);
            if (v.containsKey(BudgetParameters.RATIO)) {
                v.put(BudgetParameters.RATIO, 0.0);
            }
            try {
                PolicyAnalysis a = ctx.analyze(PolicyRegistry.create(name, v));
                out.add(new BudgetPoint(b, a.meanRecall(), a.memory().ratio()));
            } catch (IllegalArgumentException e) {
                // a budget this policy cannot take with the other values (e.g. below sinks + recent)
            }
        }
        return out;
    }

    private synchronized void scheduleEvaluation(RunContext ctx) {
        pendingCancel.set(true);
        if (pendingEvaluation != null) {
            pendingEvaluation.cancel(false);
        }
        AtomicBoolean cancel = new AtomicBoolean();
        pendingCancel = cancel;
        String name = policyName.get();
        Map<String, Object> vals = values.get();
        threads.fx().execute(() -> evaluationStatus.set("re-run pending…"));
        pendingEvaluation = threads.evaluation().schedule(() -> evaluate(ctx, name, vals, cancel),
                threads.debounce().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void evaluate(RunContext ctx, String name, Map<String, Object> vals, AtomicBoolean cancel) {
        if (cancel.get()) {
            return;
        }
        threads.fx().execute(() -> {
            evaluationsStarted.set(evaluationsStarted.get() + 1);
            evaluationProgress.set(0);
            evaluationStatus.set("perplexity…");
        });
        try {
            CompressedPerplexity.Result base = ctx.baseline(workbench, cancel::get);
            CompressedPerplexity.Result ppl = workbench.perplexity(ctx.model(), ctx.run().promptTokens(),
                    PolicyRegistry.create(name, vals), cancel::get);
            if (cancel.get() || base == null) {
                return;
            }
            threads.fx().execute(() -> {
                baseline.set(base);
                perplexity.set(ppl);
                evaluationProgress.set(needlesEnabled && ctx.needleSuite() != null ? 0.1 : 1);
            });
            Workbench.NeedleResults grid = null;
            if (needlesEnabled && ctx.needleSuite() != null) {
                threads.fx().execute(() -> evaluationStatus.set("needle grid…"));
                grid = workbench.needles(ctx.model(), ctx.needleCases(workbench), name, vals, ctx.needleBaselines(),
                        p -> threads.fx().execute(() -> evaluationProgress.set(0.1 + 0.9 * p)), cancel::get);
            }
            if (cancel.get()) {
                return;
            }
            Workbench.NeedleResults g = grid;
            threads.fx().execute(() -> {
                if (g != null) {
                    needles.set(g);
                }
                evaluationProgress.set(1);
                evaluationStatus.set("up to date");
                evaluationsFinished.set(evaluationsFinished.get() + 1);
            });
        } catch (CancellationException e) {
            // superseded by a newer change
        } catch (RuntimeException e) {
            threads.fx().execute(() -> evaluationStatus.set("re-run failed: " + e.getMessage()));
        }
    }

    /** Cancels any pending or running re-run. */
    public synchronized void cancelEvaluation() {
        pendingCancel.set(true);
        if (pendingEvaluation != null) {
            pendingEvaluation.cancel(false);
        }
    }
}
