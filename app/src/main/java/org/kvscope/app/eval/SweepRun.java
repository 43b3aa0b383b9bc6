package org.kvscope.app.eval;

import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.kvscope.app.report.NanAsNull;
import org.kvscope.backend.BackendFactory;
import org.kvscope.backend.Backends;
import org.kvscope.engine.CaptureRun;
import org.kvscope.engine.CompressedPerplexity;
import org.kvscope.engine.DecodeCap;
import org.kvscope.engine.NeedleEvaluator;
import org.kvscope.engine.PolicyEvidence;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.metrics.CacheOccupancy;
import org.kvscope.metrics.PolicyAnalysis;
import org.kvscope.model.Model;
import org.kvscope.prompts.NeedleCase;
import org.kvscope.trace.CaptureOptions;

/**
 * Policies × budgets (× schedules) on perplexity texts and a needle grid: perplexity change
 * against FullKV, needle accuracy, mean attention recall and KV memory for every configuration.
 */
public final class SweepRun {
    /** Final prompt queries whose attention rows each text's capture keeps (policies' windows must fit). */
    public static final int CAPTURE_WINDOW = 64;

    private SweepRun() {}

    /** One configuration to evaluate: a policy, its parameters and how its cache may grow while decoding. */
    public record Config(String policy, Map<String, Object> params, DecodeCap cap) {
        public Config(String policy, Map<String, Object> params) {
            this(policy, params, DecodeCap.NONE);
        }

        public String label() {
            return policy + params + (cap == DecodeCap.NONE ? "" : " cap " + cap.id());
        }
    }

    /** A perplexity text cut into context and continuation tokens. */
    public record Text(String id, int[] context, int[] continuation) {}

    /**
     * @param perplexity       perplexity over all continuation tokens of all texts
     * @param deltaPerplexity  perplexity minus FullKV's
     * @param needleAccuracy   share of needle cases answered exactly (NaN without a needle suite; null in JSON)
     * @param meanRecall       attention recall averaged over texts, layers and heads
     * @param keptBytes        KV bytes kept after prefill, averaged over texts
     * @param fullBytes        KV bytes a full cache holds, averaged over texts
     * @param decodeCap        how the cache was held while decoding ({@link DecodeCap#id()})
     * @param continuation     cache entries and bytes over the perplexity continuations (all texts)
     */
    public record Row(String policy, String schedule, int budget, double perplexity, double fullKvPerplexity,
                      double deltaPerplexity, @JsonSerialize(using = NanAsNull.class) double needleAccuracy,
                      @JsonSerialize(using = NanAsNull.class) double fullKvNeedleAccuracy, double meanRecall,
                      double keptBytes, double fullBytes, String decodeCap, CacheOccupancy continuation) {
        public double memoryRatio() { return keptBytes / fullBytes; }
    }

    /** Units of work {@link #run} reports: a FullKV baseline per text and case, then each configuration's. */
    public static long units(List<Config> configs, List<Text> texts, List<NeedleCase> needles) {
        return (long) (configs.size() + 1) * (texts.size() + needles.size());
    }

    /**
     * @param log  receives one line per configuration with its results
     * @param step receives, after each of {@link #units} units of work, what it was
     */
    public static List<Row> run(Model model, List<Config> configs, List<Text> texts, List<NeedleCase> needles,
                                int decodeSteps, Consumer<String> log, Consumer<String> step) {
        return run(Backends.cpu(), model, configs, texts, needles, decodeSteps, log, step);
    }

    /**
     * A configuration failed part-way: the rows of the configurations before it are kept.
     *
     * @param rows   the rows finished before the failure, in grid order
     * @param config label of the configuration that failed
     */
    public static final class Failure extends RuntimeException {
        private final transient List<Row> rows;
        private final String config;

        Failure(List<Row> rows, String config, RuntimeException cause) {
            super(config + ": " + cause.getMessage(), cause);
            this.rows = List.copyOf(rows);
            this.config = config;
        }

        public List<Row> rows() { return rows; }

        public String config() { return config; }
    }

    /**
     * Like {@link #run(Model, List, List, List, int, Consumer, Consumer)} on {@code backend}.
     *
     * <p>Three phases, cheapest first, so that a configuration that cannot run fails before the
     * long part: the FullKV baselines and captures; every configuration's selection on every
     * captured text (recall and memory; this also runs KVzip's reconstruction pass and the
     * DuoAttention head classification once per text or model); then each configuration's
     * perplexity and needle runs.
     *
     * @throws Failure when a configuration fails in the last phase, with the rows finished before it
     */
    public static List<Row> run(BackendFactory backend, Model model, List<Config> configs, List<Text> texts,
                                List<NeedleCase> needles, int decodeSteps, Consumer<String> log, Consumer<String> step) {
        return run(backend, model, configs, texts, needles, decodeSteps, log, step, null);
    }

    /**
     * Like {@link #run(BackendFactory, Model, List, List, List, int, Consumer, Consumer)}; with
     * {@code skipped} set, a plugin's configuration that fails is left out with one line there
     * (naming the plugin) and the other configurations still run.
     */
    public static List<Row> run(BackendFactory backend, Model model, List<Config> configs, List<Text> texts,
                                List<NeedleCase> needles, int decodeSteps, Consumer<String> log, Consumer<String> step,
                                Consumer<String> skipped) {
        double fullNll = 0;
        int fullTokens = 0;
        List<CaptureRun> runs = new ArrayList<>();
        for (Text t : texts) {
            CompressedPerplexity.Result r = CompressedPerplexity.evaluate(backend, model, null, t.context(), t.continuation(),
                    null);
            fullNll += r.nll();
            fullTokens += r.tokens();
            runs.add(CaptureRun.run(backend, model, t.context(), new CaptureOptions(CAPTURE_WINDOW, 8, 4, decodeSteps)));
            step.accept("fullkv baseline: " + t.id());
        }
        double fullPpl = Math.exp(fullNll / fullTokens);
        Map<NeedleCase, NeedleEvaluator.Result> baselines = NeedleGridRun.baselines(backend, model, needles,
                p -> step.accept("fullkv needles"));
        double fullNeedle = needles.isEmpty() ? Double.NaN
                : baselines.values().stream().filter(NeedleEvaluator.Result::success).count() / (double) needles.size();
        List<List<PolicyAnalysis>> analyses = analyses(backend, model, configs, runs, decodeSteps, skipped);
        List<Row> rows = new ArrayList<>();
        for (int ci = 0; ci < configs.size(); ci++) {
            Config c = configs.get(ci);
            if (analyses.get(ci) == null) {
                continue;
            }
            try {
                Row row = evaluate(backend, model, c, texts, needles, baselines, analyses.get(ci), fullPpl, fullNeedle,
                        step);
                rows.add(row);
                if (log != null) {
                    log.accept(String.format("%-13s %-9s budget %4d cap %-6s ppl %.3f (Δ %+.3f)  needle %s  recall %.3f"
                                    + "  kv %.0f%%  entries/head mean %.1f peak %.1f",
                            row.policy(), row.schedule(), row.budget(), row.decodeCap(), row.perplexity(),
                            row.deltaPerplexity(), needleShown(row.needleAccuracy()), row.meanRecall(), 100 * row.memoryRatio(),
                            row.continuation().meanEntriesPerHead(), row.continuation().peakEntriesPerHead()));
                }
            } catch (RuntimeException e) {
                if (!skip(skipped, c, e)) {
                    throw new Failure(rows, c.label(), e);
                }
            }
        }
        return rows;
    }

    /** Reports a plugin's failed configuration to {@code skipped} (true), or false: the failure ends the sweep. */
    /** The needle accuracy of a progress line: "-" without a needle suite (never "NaN"). */
    static String needleShown(double accuracy) {
        return Double.isNaN(accuracy) ? "-" : String.format("%.2f", accuracy);
    }

    private static boolean skip(Consumer<String> skipped, Config c, RuntimeException e) {
        if (skipped == null || !PolicyRegistry.entry(c.policy()).isPlugin()) {
            return false;
        }
        skipped.accept(c.label() + " skipped: " + e.getMessage());
        return true;
    }

    /**
     * Every configuration's selection on every captured text, before any long run: completes each
     * capture's evidence with what the policy needs beyond attention (KVzip's reconstruction
     * scores, once per text; DuoAttention's retrieval scores, once per model).
     *
     * @return per configuration, its analyses; null for a plugin's configuration left out through {@code skipped}
     * @throws IllegalStateException naming the configuration when its selection fails
     */
    static List<List<PolicyAnalysis>> analyses(BackendFactory backend, Model model, List<Config> configs,
                                               List<CaptureRun> runs, int decodeSteps, Consumer<String> skipped) {
        List<PolicyAnalysis.Analyzer> analyzers = runs.stream().map(r -> new PolicyAnalysis.Analyzer(r.capture())).toList();
        List<List<PolicyAnalysis>> out = new ArrayList<>();
        for (Config c : configs) {
            List<PolicyAnalysis> perText = new ArrayList<>();
            for (int i = 0; i < runs.size(); i++) {
                CaptureRun run = runs.get(i);
                try {
                    CompressionPolicy p = PolicyRegistry.create(c.policy(), c.params());
                    PolicyEvidence.complete(backend, model, p, run);
                    int budget = budgetOf(c);
                    perText.add(analyzers.get(i).analyze(p, run.promptTokens().length + decodeSteps + 1,
                                    model.config().headDim(), budget > 0 ? budget : 32)
                            .inCacheType(backend.cacheType(), model.config().headDim()));
                } catch (RuntimeException e) {
                    if (skip(skipped, c, e)) {
                        perText = null;
                        break;
                    }
                    throw new IllegalStateException(c.label() + " cannot run (nothing was evaluated): " + e.getMessage(), e);
                }
            }
            out.add(perText);
        }
        return out;
    }

    private static Row evaluate(BackendFactory backend, Model model, Config c, List<Text> texts, List<NeedleCase> needles,
                                Map<NeedleCase, NeedleEvaluator.Result> baselines, List<PolicyAnalysis> analyses,
                                double fullPpl, double fullNeedle, Consumer<String> step) {
        double nll = 0;
        int tokens = 0;
        double recall = 0, kept = 0, full = 0;
        List<CacheOccupancy> occupancy = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            Text t = texts.get(i);
            CompressedPerplexity.Result r = CompressedPerplexity.evaluate(backend, model,
                    PolicyRegistry.create(c.policy(), c.params()), c.cap(), t.context(), t.continuation(), null);
            occupancy.add(r.occupancy());
            nll += r.nll();
            tokens += r.tokens();
            PolicyAnalysis a = analyses.get(i);
            recall += a.meanRecall();
            kept += a.memory().keptTotal();
            full += a.memory().fullTotal();
            step.accept(c.label() + ": " + t.id());
        }
        double ppl = Math.exp(nll / tokens);
        double needle = needles.isEmpty() ? Double.NaN
                : NeedleGridRun.run(backend, model, needles, c.policy(), c.params(), c.cap(), baselines,
                p -> step.accept(c.label() + " needles"), null).accuracy();
        return new Row(c.policy(), String.valueOf(c.params().getOrDefault("schedule", "-")), budgetOf(c), ppl,
                fullPpl, ppl - fullPpl, needle, fullNeedle, recall / texts.size(), kept / texts.size(),
                full / texts.size(), c.cap().id(), CacheOccupancy.combine(occupancy));
    }

    private static int budgetOf(Config c) {
        Object b = c.params().get("budget");
        return b == null ? 0 : Integer.parseInt(b.toString());
    }

    /** Every policy × budget × schedule; FullKV once; schedules only for policies that declare them. */
    public static List<Config> grid(List<String> policies, int[] budgets, List<String> schedules) {
        return grid(policies, budgets, schedules, List.of(DecodeCap.NONE));
    }

    /**
     * Every policy × budget × schedule × decode cap; policies without a budget (FullKV) once,
     * uncapped; schedules only for policies that declare them.
     */
    public static List<Config> grid(List<String> policies, int[] budgets, List<String> schedules, List<DecodeCap> caps) {
        List<Config> out = new ArrayList<>();
        for (String p : policies) {
            var specs = PolicyRegistry.entry(p).parameters();
            boolean hasBudget = specs.stream().anyMatch(s -> s.name().equals("budget"));
            boolean hasSchedule = specs.stream().anyMatch(s -> s.name().equals("schedule"));
            if (!hasBudget) {
                out.add(new Config(p, Map.of()));
                continue;
            }
            List<String> sch = hasSchedule && !schedules.isEmpty() ? schedules : Arrays.asList((String) null);
            for (String s : sch) {
                for (int b : budgets) {
                    Map<String, Object> params = new LinkedHashMap<>();
                    params.put("budget", b);
                    if (s != null) {
                        params.put("schedule", s);
                    }
                    for (DecodeCap cap : caps) {
                        out.add(new Config(p, params, cap));
                    }
                }
            }
        }
        return out;
    }
}
