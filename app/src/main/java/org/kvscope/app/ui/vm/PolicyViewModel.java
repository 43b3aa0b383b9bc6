package org.kvscope.app.ui.vm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.LongProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyIntegerProperty;
import javafx.beans.property.ReadOnlyIntegerWrapper;
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
    private int modelLayers;
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
    private final AtomicLong analysisGeneration = new AtomicLong();
    private volatile SweepKey lastSweepKey;
    private volatile RunContext context;
    private final ModelReRuns reRuns;
    private final ParameterHistory history;
    private final Map<String, Map<String, Object>> remembered = new java.util.HashMap<>();
    private final ReadOnlyIntegerWrapper revision = new ReadOnlyIntegerWrapper();

    public PolicyViewModel(String label, Workbench workbench, UiThreads threads, String initialPolicy) {
        this(label, workbench, threads, initialPolicy, new ParameterHistory());
    }

    /** A policy whose changes are recorded in a history shared with other panes. */
    public PolicyViewModel(String label, Workbench workbench, UiThreads threads, String initialPolicy,
                           ParameterHistory history) {
        this.label = label;
        this.workbench = workbench;
        this.threads = threads;
        this.history = history;
        this.reRuns = new ModelReRuns(workbench, threads);
        apply(new ParameterHistory.State(PolicyRegistry.entry(initialPolicy).name(),
                ParameterValues.defaults(PolicyRegistry.entry(initialPolicy).parameters())));
    }

    /** The undo history this pane records its changes in. */
    public ParameterHistory history() { return history; }

    /** The values last used with a policy in this pane (its defaults when never used). */
    public Map<String, Object> rememberedValues(String policy) {
        PolicyRegistry.Entry entry = PolicyRegistry.entry(policy);
        Map<String, Object> kept = remembered.get(entry.name());
        return kept != null ? kept : ParameterValues.defaults(entry.parameters());
    }

    private ParameterHistory.State state() {
        return new ParameterHistory.State(policyName.get(), values.get());
    }

    /** Shows a policy with exactly these values (undo, redo); the views follow. */
    void apply(ParameterHistory.State state) {
        PolicyRegistry.Entry entry = PolicyRegistry.entry(state.policy());
        specs.set(entry.parameters());
        policyName.set(entry.name());
        values.set(java.util.Collections.unmodifiableMap(new LinkedHashMap<>(state.values())));
        remembered.put(entry.name(), values.get());
        revised();
        changed();
    }

    public String label() { return label; }
    public StringProperty policyNameProperty() { return policyName; }
    public String policyName() { return policyName.get(); }
    public ObjectProperty<Map<String, Object>> valuesProperty() { return values; }
    public Map<String, Object> values() { return values.get(); }
    public ObjectProperty<List<ParameterSpec>> specsProperty() { return specs; }

    /**
     * Counts the changes of the policy or its values; it moves once per change, after the specs, the name and
     * the values all agree (listeners of those three separately can see a half-applied switch).
     */
    public ReadOnlyIntegerProperty revisionProperty() { return revision.getReadOnlyProperty(); }

    private void revised() {
        revision.set(revision.get() + 1);
    }
    public ObjectProperty<int[]> layerBudgetsProperty() { return layerBudgets; }
    public ObjectProperty<PolicyAnalysis> analysisProperty() { return analysis; }
    public PolicyAnalysis analysis() { return analysis.get(); }
    public ObjectProperty<List<BudgetPoint>> recallCurveProperty() { return recallCurve; }
    public StringProperty errorProperty() { return error; }
    public LongProperty analysisNanosProperty() { return analysisNanos; }
    public ObjectProperty<CompressedPerplexity.Result> perplexityProperty() { return reRuns.perplexityProperty(); }
    public ObjectProperty<CompressedPerplexity.Result> baselineProperty() { return reRuns.baselineProperty(); }
    public ObjectProperty<Workbench.NeedleResults> needlesProperty() { return reRuns.needlesProperty(); }
    public DoubleProperty evaluationProgressProperty() { return reRuns.progressProperty(); }
    public StringProperty evaluationStatusProperty() { return reRuns.statusProperty(); }
    public IntegerProperty evaluationsStartedProperty() { return reRuns.startedProperty(); }
    public IntegerProperty evaluationsFinishedProperty() { return reRuns.finishedProperty(); }

    /** Whether the debounced re-run includes the needle grid (perplexity always runs). */
    public void setNeedlesEnabled(boolean enabled) { reRuns.setNeedlesEnabled(enabled); }

    /** Switches to another policy with the values it last had in this pane (its defaults the first time). */
    public void select(String name) {
        PolicyRegistry.Entry entry = PolicyRegistry.entry(name);
        ParameterHistory.State before = state();
        apply(new ParameterHistory.State(entry.name(), rememberedValues(entry.name())));
        history.record(this, before, state(), null);
    }

    /** Sets one parameter (validated against its spec); the views follow. */
    public void set(String name, Object value) {
        ParameterSpec spec = specs.get().stream().filter(p -> p.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("policy " + policyName.get()
                        + " has no parameter '" + name + "'"));
        Map<String, Object> next = new LinkedHashMap<>(values.get());
        next.put(name, spec.validate(value));
        ParameterHistory.State before = state();
        values.set(java.util.Collections.unmodifiableMap(next));
        remembered.put(policyName.get(), values.get());
        revised();
        changed();
        history.record(this, before, state(), name);
    }

    /** Restores a policy and its values from text (as saved in a session). */
    public void restore(String name, Map<String, String> text) {
        PolicyRegistry.Entry entry = PolicyRegistry.entry(name);
        Map<String, Object> parsed = ParameterValues.parse(entry.parameters(), text);
        specs.set(entry.parameters());
        policyName.set(entry.name());
        values.set(parsed);
        remembered.put(entry.name(), parsed);
        revised();
        changed();
    }

    /** A fresh policy instance with the current values. */
    public CompressionPolicy createPolicy() {
        return PolicyRegistry.create(policyName.get(), values.get());
    }

    /** New model or captured run: recompute everything against it (null clears the views). */
    public void setContext(RunContext context) {
        setContext(context, context == null ? 0 : context.model().config().layers());
    }

    /**
     * Like {@link #setContext(RunContext)}, also giving the loaded model's layer count so the budget
     * schedule shows the right layers before any prompt has run (0 when no model is loaded).
     */
    public void setContext(RunContext context, int modelLayers) {
        this.context = context;
        this.modelLayers = modelLayers;
        reRuns.clear();
        changed();
    }

    private void changed() {
        CompressionPolicy policy;
        try {
            policy = createPolicy();
        } catch (IllegalArgumentException | IllegalStateException e) { // a plugin's constructor threw: named
            error.set(e.getMessage());
            reRuns.stop(); // no re-run of the previous policy shown under this one
            return;
        }
        RunContext ctx = context;
        int layers = ctx != null ? ctx.model().config().layers() : modelLayers > 0 ? modelLayers : DEFAULT_LAYERS;
        int n = ctx == null ? DEFAULT_PROMPT : ctx.promptLength();
        if (ctx == null) {
            try {
                layerBudgets.set(LayerSchedule.of(policy, layers, n));
                error.set(null);
            } catch (IllegalArgumentException | IllegalStateException e) {
                error.set(e.getMessage());
            }
            return;
        }
        requestAnalysis(ctx);
        reRuns.schedule(ctx, policyName.get(), values.get());
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
                int[] budgets = LayerSchedule.of(PolicyRegistry.create(name, vals), ctx.run(),
                        Workbench.analysisContext(ctx.run()));
                threads.fx().execute(() -> {
                    if (generation == analysisGeneration.get()) {
                        error.set(null);
                        layerBudgets.set(budgets);
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

    /** Cancels any pending or running re-run. */
    public void cancelEvaluation() {
        reRuns.cancel();
    }

    /** The user's Cancel of the background re-run: stops it and shows it was cancelled. */
    public void stopEvaluation() {
        reRuns.stop();
    }
}
