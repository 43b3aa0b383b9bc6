package org.kvscope.app.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.kvscope.backend.BackendFactory;
import org.kvscope.backend.Backends;
import org.kvscope.engine.NeedleEvaluator;
import org.kvscope.kv.PolicyRegistry;
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
        List<CaseResult> results = new ArrayList<>();
        int context = model.config().contextLength();
        for (int i = 0; i < cases.size(); i++) {
            if (cancelled != null && cancelled.getAsBoolean()) {
                throw new java.util.concurrent.CancellationException("needle run cancelled");
            }
            NeedleCase c = cases.get(i);
            int tokens = model.tokenizer().encodeWithSpecials(c.prompt()).length;
            if (tokens + 8 > context) {
                throw new IllegalArgumentException("needle prompt of " + tokens + " tokens exceeds the model's context of "
                        + context + " tokens (suite " + c.suiteId() + ", length " + c.targetTokens() + ")");
            }
            var withPolicy = NeedleEvaluator.evaluate(backend, model, PolicyRegistry.create(policy, params), c.prompt(),
                    c.answer());
            var full = NeedleEvaluator.evaluate(backend, model, null, c.prompt(), c.answer());
            results.add(new CaseResult(c, withPolicy, full));
            if (progress != null) {
                progress.accept((i + 1.0) / cases.size());
            }
        }
        return aggregate(results);
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
