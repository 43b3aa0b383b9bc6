package org.kvscope.app.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.kvscope.backend.BackendFactory;
import org.kvscope.backend.Backends;
import org.kvscope.engine.DecodeCap;
import org.kvscope.engine.NeedleEvaluator;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.metrics.CacheOccupancy;
import org.kvscope.model.Model;
import org.kvscope.prompts.NeedleCase;
import org.kvscope.prompts.NeedleGenerator;
import org.kvscope.prompts.SuiteDescriptor;

/**
 * Runs a needle suite's grid (context lengths × depths × templates) under one policy and under
 * FullKV, case by case, so a UI can show progress and cancel between cases.
 */
public final class NeedleGridRun {
    private NeedleGridRun() {}

    /** One evaluated case with its FullKV baseline. */
    public record CaseResult(NeedleCase needle, NeedleEvaluator.Result policy, NeedleEvaluator.Result fullKv) {}

    /** Aggregates over templates: success share and mean answer log-probability per (length, depth). */
    public record Grid(int[] lengths, double[] depths, double[][] successGrid, double[][] meanLogProbGrid,
                       double[][] fullKvSuccessGrid, List<CaseResult> cases) {
        public double accuracy() {
            return cases.isEmpty() ? Double.NaN
                    : cases.stream().filter(c -> c.policy().success()).count() / (double) cases.size();
        }

        public double fullKvAccuracy() {
            return cases.isEmpty() ? Double.NaN
                    : cases.stream().filter(c -> c.fullKv().success()).count() / (double) cases.size();
        }
    }

    public static List<NeedleCase> cases(Model model, SuiteDescriptor suite, int maxTemplates) {
        List<NeedleCase> all = NeedleGenerator.grid(suite, text -> model.tokenizer().encodeWithSpecials(text).length);
        if (maxTemplates <= 0) {
            return all;
        }
        List<String> keep = suite.templates().stream().limit(maxTemplates).toList();
        return all.stream().filter(c -> keep.contains(c.templateId())).toList();
    }

    /** On the CPU. */
    public static Grid run(Model model, List<NeedleCase> cases, String policy, Map<String, ?> params,
                           Consumer<Double> progress, BooleanSupplier cancelled) {
        return run(Backends.cpu(), model, cases, policy, params, progress, cancelled);
    }

    public static Grid run(BackendFactory backend, Model model, List<NeedleCase> cases, String policy,
                           Map<String, ?> params, Consumer<Double> progress, BooleanSupplier cancelled) {
        return run(backend, model, cases, policy, params, DecodeCap.NONE, new HashMap<>(), progress, cancelled);
    }

    /**
     * Like {@link #run(BackendFactory, Model, List, String, Map, Consumer, BooleanSupplier)} with the
     * cache held as {@code cap} says while answering, and FullKV baselines taken from
     * {@code baselines} (computed on first use and added there: pass one map to every
     * configuration of a sweep so FullKV runs once per case).
     */
    public static Grid run(BackendFactory backend, Model model, List<NeedleCase> cases, String policy,
                           Map<String, ?> params, DecodeCap cap, Map<NeedleCase, NeedleEvaluator.Result> baselines,
                           Consumer<Double> progress, BooleanSupplier cancelled) {
        List<CaseResult> results = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            if (cancelled != null && cancelled.getAsBoolean()) {
                throw new java.util.concurrent.CancellationException("needle run cancelled");
            }
            NeedleCase c = cases.get(i);
            requireFits(model, c);
            var withPolicy = NeedleEvaluator.evaluate(backend, model, PolicyRegistry.create(policy, params), cap,
                    c.prompt(), c.answer());
            var full = baselines.computeIfAbsent(c, k -> NeedleEvaluator.evaluate(backend, model, null, k.prompt(),
                    k.answer()));
            results.add(new CaseResult(c, withPolicy, full));
            if (progress != null) {
                progress.accept((i + 1.0) / cases.size());
            }
        }
        return aggregate(results);
    }

    /** FullKV on every case, keyed by case (for {@link #run}'s {@code baselines}). */
    public static Map<NeedleCase, NeedleEvaluator.Result> baselines(BackendFactory backend, Model model,
                                                                   List<NeedleCase> cases, Consumer<Double> progress) {
        Map<NeedleCase, NeedleEvaluator.Result> out = new HashMap<>();
        for (int i = 0; i < cases.size(); i++) {
            NeedleCase c = cases.get(i);
            requireFits(model, c);
            out.put(c, NeedleEvaluator.evaluate(backend, model, null, c.prompt(), c.answer()));
            if (progress != null) {
                progress.accept((i + 1.0) / cases.size());
            }
        }
        return out;
    }

    private static void requireFits(Model model, NeedleCase c) {
        int context = model.config().contextLength();
        int tokens = model.tokenizer().encodeWithSpecials(c.prompt()).length;
        if (tokens + 8 > context) {
            throw new IllegalArgumentException("needle prompt of " + tokens + " tokens exceeds the model's context of "
                    + context + " tokens (suite " + c.suiteId() + ", length " + c.targetTokens() + ")");
        }
    }

    /** Cache entries and bytes while the policy's answers were teacher-forced, over every case. */
    public static CacheOccupancy occupancy(Grid g) {
        return CacheOccupancy.combine(g.cases().stream().map(c -> c.policy().occupancy()).toList());
    }

    static Grid aggregate(List<CaseResult> results) {
        TreeSet<Integer> ls = new TreeSet<>();
        TreeSet<Double> ds = new TreeSet<>();
        results.forEach(r -> {
            ls.add(r.needle().targetTokens());
            ds.add(r.needle().depth());
        });
        int[] lengths = ls.stream().mapToInt(Integer::intValue).toArray();
        double[] depths = ds.stream().mapToDouble(Double::doubleValue).toArray();
        double[][] acc = new double[lengths.length][depths.length];
        double[][] lp = new double[lengths.length][depths.length];
        double[][] full = new double[lengths.length][depths.length];
        int[][] n = new int[lengths.length][depths.length];
        for (CaseResult r : results) {
            int i = java.util.Arrays.binarySearch(lengths, r.needle().targetTokens());
            int j = java.util.Arrays.binarySearch(depths, r.needle().depth());
            acc[i][j] += r.policy().success() ? 1 : 0;
            full[i][j] += r.fullKv().success() ? 1 : 0;
            lp[i][j] += r.policy().answerLogProb();
            n[i][j]++;
        }
        for (int i = 0; i < lengths.length; i++) {
            for (int j = 0; j < depths.length; j++) {
                int c = Math.max(1, n[i][j]);
                acc[i][j] /= c;
                full[i][j] /= c;
                lp[i][j] /= c;
            }
        }
        return new Grid(lengths, depths, acc, lp, full, results);
    }
}
