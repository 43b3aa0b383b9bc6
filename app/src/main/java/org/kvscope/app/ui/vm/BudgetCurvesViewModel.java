package org.kvscope.app.ui.vm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import org.kvscope.app.ui.Workbench;
import org.kvscope.engine.NeedleEvaluator;
import org.kvscope.kv.BudgetParameters;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.model.Model;
import org.kvscope.prompts.NeedleCase;
import org.kvscope.prompts.PerplexityText;
import org.kvscope.prompts.SuiteDescriptor;
import org.kvscope.prompts.SuiteKind;
import org.kvscope.prompts.Suites;

/**
 * Perplexity and needle accuracy against budget for policies A and B over the prompts of a
 * perplexity suite and the cases of the needle suite, each policy in its own cancellable
 * background task; results are cached per setting (everything but the budget), so moving the
 * budget only moves the mark.
 */
public final class BudgetCurvesViewModel {
    /** Budgets swept (those above a prompt's length are skipped for it). */
    public static final int[] BUDGETS = {8, 16, 32, 64, 128, 256};
    private final Workbench workbench;
    private final WorkbenchViewModel vm;
    private final ObjectProperty<SuiteDescriptor> suite = new SimpleObjectProperty<>();
    private final BooleanProperty auto = new SimpleBooleanProperty(false);
    private final List<LatestTask<Curves>> tasks = List.of(new LatestTask<>(), new LatestTask<>());
    private final Map<Key, Curves> cache = new ConcurrentHashMap<>();
    private final Map<NeedleCase, NeedleEvaluator.Result> needleBaselines = new ConcurrentHashMap<>();
    private Model baselinesOf;

    /**
     * One policy's curves.
     *
     * @param budgets        budgets evaluated
     * @param perplexity     [prompt][budget] perplexity (NaN where the budget exceeds the prompt)
     * @param fullKv         [prompt] FullKV perplexity
     * @param needleByLength [budget][context length] needle accuracy (empty without a needle suite)
     * @param needleFullKv   [context length] FullKV needle accuracy
     * @param needleAll      [budget] accuracy over every case
     */
    public record Curves(String policy, int[] budgets, double[][] perplexity, double[] fullKv, double[][] needleByLength,
                         double[] needleFullKv, double[] needleAll) {}

    private record Key(Model model, SuiteDescriptor suite, SuiteDescriptor needles, String policy, Map<String, String> rest) {}

    public BudgetCurvesViewModel(Workbench workbench, WorkbenchViewModel vm) {
        this.workbench = workbench;
        this.vm = vm;
        suite.set(perplexitySuites().isEmpty() ? null : perplexitySuites().get(0));
        suite.addListener((o, a, b) -> refreshIfAuto());
        vm.modelProperty().addListener((o, a, b) -> {
            tasks.forEach(LatestTask::clear);
            refreshIfAuto();
        });
        vm.needleSuiteProperty().addListener((o, a, b) -> refreshIfAuto());
        for (PolicyViewModel p : vm.policies()) {
            p.valuesProperty().addListener((o, a, b) -> refreshIfAuto());
        }
        auto.addListener((o, a, on) -> refreshIfAuto());
    }

    public static List<SuiteDescriptor> perplexitySuites() {
        return Suites.all().stream().filter(s -> s.kind() == SuiteKind.PERPLEXITY).toList();
    }

    public ObjectProperty<SuiteDescriptor> suiteProperty() { return suite; }
    /** Whether the curves follow every policy change (off: only {@link #compute()}). */
    public BooleanProperty autoProperty() { return auto; }
    /** Task of policy {@code i} (0 = A): result, progress, running, message. */
    public LatestTask<Curves> task(int i) { return tasks.get(i); }

    /** Cancels both computations. */
    public void cancel() { tasks.forEach(LatestTask::cancel); }

    private void refreshIfAuto() {
        if (auto.get()) {
            compute();
        }
    }

    /** Computes (or takes from the cache) both policies' curves for the current settings. */
    public void compute() {
        Model model = vm.model();
        SuiteDescriptor s = suite.get();
        if (model == null || s == null) {
            return;
        }
        if (model != baselinesOf) {
            needleBaselines.clear();
            cache.clear();
            baselinesOf = model;
        }
        SuiteDescriptor needles = vm.needleSuiteProperty().get();
        for (int i = 0; i < tasks.size(); i++) {
            PolicyViewModel p = vm.policies().get(i);
            Map<String, String> rest = new LinkedHashMap<>(ParameterValues.format(p.values()));
            rest.remove(BudgetParameters.BUDGET);
            Key key = new Key(model, s, needles, p.policyName(), rest);
            Curves hit = cache.get(key);
            LatestTask<Curves> task = tasks.get(i);
            if (hit != null) {
                task.cancel();
                task.resultProperty().set(hit);
                continue;
            }
            String name = p.policyName();
            Map<String, Object> values = new LinkedHashMap<>(p.values());
            task.start("curves of " + name, (cancelled, progress) -> {
                Curves c = curves(model, s, needles, name, values, cancelled, progress);
                cache.put(key, c);
                return c;
            });
        }
    }

    private Curves curves(Model model, SuiteDescriptor s, SuiteDescriptor needleSuite, String name,
                          Map<String, Object> values, java.util.function.BooleanSupplier cancelled,
                          java.util.function.DoubleConsumer progress) {
        if (!values.containsKey(BudgetParameters.BUDGET)) {
            throw new IllegalArgumentException(name + " has no budget to sweep");
        }
        int limit = Math.min(s.contextTokens() + s.continuationTokens(), model.config().contextLength() - 1);
        List<int[]> prompts = new ArrayList<>();
        for (PerplexityText t : PerplexityText.load(s)) {
            int[] ids = model.tokenizer().encodeWithSpecials(t.text());
            prompts.add(Arrays.copyOf(ids, Math.min(ids.length, limit)));
        }
        List<NeedleCase> cases = needleSuite == null ? List.of() : workbench.needleCases(model, needleSuite, 1);
        int[] lengths = cases.stream().mapToInt(NeedleCase::targetTokens).distinct().sorted().toArray();
        int units = prompts.size() * (BUDGETS.length + 1) + BUDGETS.length, done = 0;
        double[][] ppl = new double[prompts.size()][BUDGETS.length];
        double[] full = new double[prompts.size()];
        for (int i = 0; i < prompts.size(); i++) {
            full[i] = check(workbench.perplexity(model, prompts.get(i), null, cancelled), cancelled).perplexity();
            progress.accept(++done / (double) units);
            for (int b = 0; b < BUDGETS.length; b++) {
                CompressionPolicy policy = policy(name, values, BUDGETS[b]);
                ppl[i][b] = policy == null || BUDGETS[b] > prompts.get(i).length ? Double.NaN
                        : check(workbench.perplexity(model, prompts.get(i), policy, cancelled), cancelled).perplexity();
                progress.accept(++done / (double) units);
            }
        }
        double[][] byLength = new double[cases.isEmpty() ? 0 : BUDGETS.length][lengths.length];
        double[] all = new double[BUDGETS.length];
        Arrays.fill(all, Double.NaN);
        double[] fullByLength = new double[lengths.length];
        for (int b = 0; b < byLength.length; b++) {
            if (policy(name, values, BUDGETS[b]) == null) {
                Arrays.fill(byLength[b], Double.NaN);
                continue;
            }
            var r = workbench.needles(model, cases, name, withBudget(values, BUDGETS[b]), needleBaselines, x -> { },
                    cancelled);
            all[b] = r.accuracy();
            for (int l = 0; l < lengths.length; l++) {
                int len = lengths[l];
                var inLength = r.cases().stream().filter(c -> c.needle().targetTokens() == len).toList();
                byLength[b][l] = inLength.stream().filter(c -> c.policy().success()).count() / (double) inLength.size();
                fullByLength[l] = inLength.stream().filter(c -> c.fullKv().success()).count() / (double) inLength.size();
            }
            progress.accept(++done / (double) units);
        }
        return new Curves(name, BUDGETS.clone(), ppl, full, byLength, fullByLength, all);
    }

    /** The policy at a budget, or null when its other values do not allow that budget (e.g. below the window). */
    private static CompressionPolicy policy(String name, Map<String, Object> values, int budget) {
        try {
            return PolicyRegistry.create(name, withBudget(values, budget));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static <T> T check(T value, java.util.function.BooleanSupplier cancelled) {
        if (cancelled.getAsBoolean()) {
            throw new CancellationException("curves cancelled");
        }
        return value;
    }

    private static Map<String, Object> withBudget(Map<String, Object> values, int budget) {
        Map<String, Object> v = new LinkedHashMap<>(values);
        v.put(BudgetParameters.BUDGET, budget);
        if (v.containsKey(BudgetParameters.RATIO)) {
            v.put(BudgetParameters.RATIO, 0.0);
        }
        return v;
    }
}
