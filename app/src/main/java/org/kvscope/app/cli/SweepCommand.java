package org.kvscope.app.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.kvscope.app.eval.NeedleGridRun;
import org.kvscope.app.eval.SweepRun;
import org.kvscope.app.report.ReportFiles;
import org.kvscope.backend.BackendFactory;
import org.kvscope.engine.DecodeCap;
import org.kvscope.engine.NeedleEvaluator;
import org.kvscope.metrics.CacheOccupancy;
import org.kvscope.kv.BudgetParameters;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.model.Model;
import org.kvscope.prompts.NeedleCase;
import org.kvscope.prompts.PerplexityText;
import org.kvscope.prompts.SuiteDescriptor;
import org.kvscope.prompts.SuiteKind;

/** {@code kvscope sweep}: policies × budgets (× schedules) → JSON and a CSV table. */
public final class SweepCommand implements Command {
    @Override public String name() { return "sweep"; }

    @Override public String summary() { return "policies × budgets (× schedules): Δperplexity, needle accuracy, recall, KV memory"; }

    @Override
    public String usage() {
        return """
                usage: kvscope sweep --model FILE [--policies LIST] [--budgets LIST] [--schedules LIST]
                                     [--perplexity-suite ID] [--needle-suite ID] [--texts N] [--needle-templates N]
                                     [--decode-steps S] [--decode-cap LIST] [--out-json FILE] [--out-csv FILE]
                                     [--device D] [--cache-type T] [--quiet]
                """ + ModelOptions.usage(22) + """
                  --policies LIST        comma-separated (default: all registered; a plugin that fails
                                         is then skipped with a line naming it)
                  --budgets LIST         comma-separated entries per layer and kv-head, each at most the model's
                                         context length (default 16,32,64,128)
                  --schedules LIST       for policies with a 'schedule' parameter: uniform, pyramid, power-law,
                                         cosine, auto (default: each policy's own)
                  --perplexity-suite ID  default perplexity-stories
                  --needle-suite ID      default needle-stories-short; 'none' to skip
                  --texts N              use the first N perplexity texts, 1..the suite's texts (default all)
                  --needle-templates N   use the first N needle templates, 0..the suite's templates
                                         (default 4; 0: all)
                  --decode-steps S       FullKV decode steps captured for recall, 0..1024 (default 16)
                  --decode-cap LIST      how the cache may grow while the continuation and the needle answers are
                                         teacher-forced, one or both of: none (the policy alone decides: SnapKV,
                                         PyramidKV and other after-prefill policies grow by one entry per token) and
                                         budget (every layer and kv-head is held at the size the policy's selection
                                         gave it; see docs/CLI.md); each row names its mode (default none)
                  --out-json FILE        the JSON report (without --out-json or --out-csv it goes to stdout)
                  --out-csv FILE         the table as CSV
                """ + DeviceOption.USAGE + "\n" + Progress.USAGE;
    }

    @Override
    public int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        Args a = Args.parse(name(), argv, 1, Set.of("model", "policies", "budgets", "schedules", "perplexity-suite",
                "needle-suite", "texts", "needle-templates", "decode-steps", "decode-cap", "out-json", "out-csv",
                DeviceOption.NAME, DeviceOption.CACHE_TYPE),
                Set.of(Progress.QUIET));
        DeviceOption.device(a);
        List<String> policies = a.list("policies", PolicyRegistry.entries().stream().map(PolicyRegistry.Entry::name).toList());
        for (String p : policies) {
            PolicyOptions.known("--policies", p); // validates the name
        }
        int[] budgets;
        try {
            budgets = a.list("budgets", List.of("16", "32", "64", "128")).stream().mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new UsageException("--budgets must be comma-separated positive integers, was '" + a.string("budgets") + "'");
        }
        if (Arrays.stream(budgets).anyMatch(b -> b < 1)) {
            throw new UsageException("--budgets must be positive, was " + Arrays.toString(budgets));
        }
        List<String> schedules = a.list("schedules", List.of());
        if (schedules.contains("custom")) {
            throw new UsageException("--schedules custom needs --layer-weights, which sweep does not take; analyze and"
                    + " needle do (--schedule custom --layer-weights W1,W2,...)");
        }
        List<DecodeCap> caps = decodeCaps(a.string("decode-cap", "none"));
        requireEffect(a, policies, caps);
        List<SweepRun.Config> grid = SweepRun.grid(policies, budgets, schedules, caps);
        // without --policies (every registered policy) a broken plugin is skipped, named, and the rest run
        List<String> skipped = new ArrayList<>();
        Consumer<String> skip = a.has("policies") ? null : line -> {
            skipped.add(line);
            err.println("kvscope sweep: " + line);
        };
        List<SweepRun.Config> configs = usable(grid, skip, c -> PolicyOptions.create(c.policy(), c.params()));
        SuiteDescriptor ppl = SuiteTexts.suite(a.string("perplexity-suite", "perplexity-stories"), SuiteKind.PERPLEXITY);
        String needleId = a.string("needle-suite", "needle-stories-short");
        SuiteDescriptor needleSuite = needleId.equals("none") ? null : SuiteTexts.suite(needleId, SuiteKind.NEEDLE);
        int needleTemplates = needleSuite == null ? 0 : SuiteTexts.templates(a, "needle-templates", 4, needleSuite);
        int decodeSteps = a.integer("decode-steps", 16, 0, 1024);
        OutputOptions.check(a, "out-json", "out-csv");
        try (Model model = ModelOptions.load(a); BackendFactory backend = DeviceOption.select(a, err)) {
            configs = usable(configs, skip, c -> PolicyChecks.forModel(c.policy(), stringValues(c.params()),
                    model.config(), new PolicyChecks.WindowLimit(SweepRun.CAPTURE_WINDOW, "the sweep captures the last "
                            + SweepRun.CAPTURE_WINDOW + " prompt queries"), err));
            List<SweepRun.Text> texts = new ArrayList<>();
            List<PerplexityText> all = PerplexityText.load(ppl);
            int limit = a.integer("texts", all.size(), 1, all.size(), "suite " + ppl.id() + " has " + all.size() + " texts");
            for (PerplexityText t : all.subList(0, limit)) {
                int[] tokens = model.tokenizer().encodeWithSpecials(t.text());
                int cont = Math.min(ppl.continuationTokens(), tokens.length / 4);
                int ctx = Math.min(ppl.contextTokens(), tokens.length - cont);
                int maxCtx = model.config().contextLength() - cont - decodeSteps - 1;
                ctx = Math.min(ctx, maxCtx);
                texts.add(new SweepRun.Text(t.id(), Arrays.copyOfRange(tokens, 0, ctx),
                        Arrays.copyOfRange(tokens, ctx, ctx + cont)));
            }
            List<NeedleCase> needles = needleSuite == null ? List.of()
                    : NeedleGridRun.cases(model, needleSuite, needleTemplates);
            int longestText = texts.stream().mapToInt(t -> t.context().length).max().orElse(0);
            int longestNeedle = needles.stream().mapToInt(n -> NeedleEvaluator.promptAndAnswer(model.tokenizer(),
                    n.prompt(), n.answer())[0].length).max().orElse(0);
            int longest = Math.max(longestText, longestNeedle);
            configs = usable(configs, skip, c -> PolicyChecks.forPrompts(c.policy(), c.params(), model, longest,
                    "the sweep's texts and needle prompts (up to " + longest + " tokens)"));
            err.printf("%d configurations, %d texts (context %d tokens), %d needle cases%n", configs.size(), texts.size(),
                    texts.isEmpty() ? 0 : texts.get(0).context().length, needles.size());
            List<SweepRun.Row> rows;
            SweepRun.Failure failure = null;
            try (Progress progress = Progress.start(a, err, "sweep", SweepRun.units(configs, texts, needles), "steps")) {
                rows = SweepRun.run(backend, model, configs, texts, needles, decodeSteps, progress::log, progress::step,
                        skip);
            } catch (SweepRun.Failure f) {
                failure = f;
                rows = f.rows();
            }
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("model", org.kvscope.app.report.AnalysisReport.model(model));
            report.put("cacheType", backend.cacheType().cliName());
            report.put("perplexitySuite", ppl.id());
            report.put("needleSuite", needleId);
            report.put("texts", texts.stream().map(t -> Map.of("id", t.id(), "contextTokens", t.context().length,
                    "continuationTokens", t.continuation().length)).toList());
            report.put("needleCases", needles.size());
            if (!skipped.isEmpty()) {
                report.put("skipped", skipped);
            }
            if (failure != null) {
                report.put("incomplete", Map.of("rowsDone", rows.size(), "configurations", configs.size(),
                        "failedConfiguration", failure.config(), "error", String.valueOf(failure.getCause().getMessage())));
            }
            report.put("rows", rows);
            OutputOptions.writeReport(a, out, ReportFiles.json(report), CSV_HEADER,
                    csvRows(rows, backend.cacheType().cliName()));
            if (failure != null) {
                throw new IllegalStateException(failure.getMessage() + "; the " + rows.size() + " of " + configs.size()
                        + " configurations finished before it were written (report marked \"incomplete\")");
            }
            return 0;
        }
    }

    static final List<String> CSV_HEADER = List.of("policy", "schedule", "budget",
            "decode_cap", "cache_type", "perplexity", "fullkv_perplexity", "delta_perplexity", "needle_accuracy",
            "fullkv_needle_accuracy", "mean_recall", "kv_kept_bytes", "kv_full_bytes", "kv_ratio",
            "cont_mean_entries_per_head", "cont_peak_entries_per_head", "cont_peak_head_entries",
            "cont_mean_bytes", "cont_peak_bytes");

    /** One CSV line per row; {@code cacheType} names how the cache stored keys and values (the bytes columns count it). */
    private static List<List<Object>> csvRows(List<SweepRun.Row> rows, String cacheType) {
        List<List<Object>> csv = new ArrayList<>();
        for (SweepRun.Row r : rows) {
            CacheOccupancy o = r.continuation();
            csv.add(List.of(r.policy(), r.schedule(), r.budget(), r.decodeCap(), cacheType, r.perplexity(), r.fullKvPerplexity(),
                    r.deltaPerplexity(), r.needleAccuracy(), r.fullKvNeedleAccuracy(), r.meanRecall(),
                    r.keptBytes(), r.fullBytes(), r.memoryRatio(), o.meanEntriesPerHead(), o.peakEntriesPerHead(),
                    o.peakHeadEntries(), o.meanBytes(), o.peakBytes()));
        }
        return csv;
    }

    /**
     * The configurations that pass {@code check}. With {@code skip} set (no --policies), a plugin's
     * configuration that fails it is reported there and left out; any other failure ends the command.
     */
    private static List<SweepRun.Config> usable(List<SweepRun.Config> configs, Consumer<String> skip,
                                                Consumer<SweepRun.Config> check) {
        List<SweepRun.Config> out = new ArrayList<>();
        for (SweepRun.Config c : configs) {
            try {
                check.accept(c);
                out.add(c);
            } catch (RuntimeException e) {
                if (skip == null || !PolicyRegistry.entry(c.policy()).isPlugin()) {
                    throw e;
                }
                skip.accept(c.label() + " skipped: " + e.getMessage());
            }
        }
        return out;
    }

    /** Refuses an option that no configuration of the sweep would use. */
    private static void requireEffect(Args a, List<String> policies, List<DecodeCap> caps) {
        String none = "and none of " + String.join(", ", policies) + " has one";
        if (a.has("schedules") && policies.stream().noneMatch(p -> PolicyChecks.declares(p, BudgetParameters.SCHEDULE))) {
            throw new UsageException("--schedules applies to policies with a budget schedule, " + none);
        }
        boolean budgeted = policies.stream().anyMatch(p -> PolicyChecks.declares(p, BudgetParameters.BUDGET));
        if (a.has("budgets") && !budgeted) {
            throw new UsageException("--budgets applies to policies with a budget, " + none);
        }
        if (caps.contains(DecodeCap.BUDGET) && !budgeted) {
            throw new UsageException("--decode-cap budget applies to policies with a budget (FullKV is never capped), " + none);
        }
        if (a.has("needle-templates") && a.string("needle-suite", "").equals("none")) {
            throw new UsageException("--needle-templates applies to the needle suite, and --needle-suite is none");
        }
    }

    /** {@code none}, {@code budget} or both, comma-separated. */
    static List<DecodeCap> decodeCaps(String list) {
        List<DecodeCap> caps = new ArrayList<>();
        for (String c : list.split(",")) {
            try {
                DecodeCap cap = DecodeCap.parse(c);
                if (!caps.contains(cap)) {
                    caps.add(cap);
                }
            } catch (IllegalArgumentException e) {
                throw new UsageException("--decode-cap: " + e.getMessage());
            }
        }
        return caps;
    }

    private static Map<String, String> stringValues(Map<String, Object> params) {
        Map<String, String> out = new LinkedHashMap<>();
        params.forEach((k, v) -> out.put(k, String.valueOf(v)));
        return out;
    }
}
