package org.kvscope.app.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.kvscope.app.eval.MultiQuestionRun;
import org.kvscope.app.eval.NeedleGridRun;
import org.kvscope.app.report.ReportFiles;
import org.kvscope.backend.BackendFactory;
import org.kvscope.engine.DecodeCap;
import org.kvscope.engine.NeedleEvaluator;
import org.kvscope.kv.BudgetParameters;
import org.kvscope.model.Model;
import org.kvscope.prompts.NeedleCase;
import org.kvscope.prompts.SuiteDescriptor;
import org.kvscope.prompts.SuiteKind;
import org.kvscope.prompts.Suites;

/** {@code kvscope needle}: a needle suite's length × depth grid under a policy, with FullKV alongside. */
public final class NeedleCommand implements Command {
    private static final Set<String> OWN = Set.of("model", "suite", "policy", "templates", "out-json", "out-csv",
            "decode-cap", "questions", "replays", DeviceOption.NAME, DeviceOption.CACHE_TYPE);
    /** The policy without {@code --policy}: the grid with no compression. */
    private static final String DEFAULT_POLICY = "fullkv";

    @Override public String name() { return "needle"; }

    @Override public String summary() { return "needle-in-a-haystack grid (length × depth) under a policy, FullKV alongside"; }

    @Override
    public String usage() {
        return """
                usage: kvscope needle --model FILE --suite ID [--policy NAME] [policy parameters]
                                      [--templates N] [--decode-cap none|budget] [--out-json FILE] [--out-csv FILE]
                                      [--questions M [--replays N]] [--device D] [--cache-type T] [--quiet]
                """ + ModelOptions.usage(16) + PolicyOptions.usage(16, false, DEFAULT_POLICY) + """
                  --suite ID       a needle suite (needle-stories-short for stories260K)
                  --templates N    use only the suite's first N needle templates, 0..the suite's templates
                                   (default 0: all)
                  --decode-cap M   none: the cache grows as the policy lets it while the answer is teacher-forced
                                   (default); budget: held at the size the policy's selection gave each layer and
                                   kv-head (docs/CLI.md)
                  --out-json FILE  the JSON report (without --out-json or --out-csv it goes to stdout)
                  --out-csv FILE   one row per case
                  --questions M    1..the suite's templates with distinct questions (%s): multi-question
                                   replay instead of the grid (SCBench's setting): each replay
                                   joins M short haystacks, each with another template's needle, into one context,
                                   compresses once and asks the M questions one after another on that cache;
                                   FullKV, query-agnostic (compressed after the context alone) and query-aware
                                   (compressed after the context and the first question) side by side
                  --replays N      replays of M questions, 1..10000 (default 8), rotating templates and depths
                """.formatted(questionLimits()) + DeviceOption.USAGE + "\n" + Progress.USAGE + "\n" + """
                Success = greedy decoding reproduces the answer exactly; log-prob grades near misses.
                Deterministic: the suite fixes the haystack seed.
                """ + PolicyOptions.describeAll();
    }

    /** Each needle suite's most questions per replay, e.g. "needle-stories-short 14, ...". */
    private static String questionLimits() {
        return String.join(", ", Suites.all().stream().filter(s -> s.kind() == SuiteKind.NEEDLE)
                .map(s -> s.id() + " " + MultiQuestionRun.questionTemplates(s).size()).toList());
    }

    /**
     * The one {@code --decode-cap} mode given (none by default).
     *
     * @throws UsageException for a bad mode, or {@code budget} for a policy without a budget (never capped)
     */
    static DecodeCap singleCap(Args a, String policy) {
        DecodeCap cap;
        try {
            cap = DecodeCap.parse(a.string("decode-cap", "none"));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--decode-cap: " + e.getMessage());
        }
        if (cap == DecodeCap.BUDGET && !PolicyChecks.declares(policy, BudgetParameters.BUDGET)) {
            throw new UsageException("--decode-cap budget applies to policies with a budget, and " + policy
                    + " has none (it is never capped)");
        }
        return cap;
    }

    @Override
    public int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        String policy = PolicyOptions.policyName(argv, DEFAULT_POLICY);
        Args a = Args.parse(name(), argv, 1, PolicyOptions.allowed(OWN, policy), Set.of(Progress.QUIET));
        DeviceOption.device(a);
        Map<String, String> given = PolicyOptions.values(a, policy);
        PolicyOptions.create(policy, given);
        OutputOptions.check(a, "out-json", "out-csv");
        SuiteDescriptor suite = SuiteTexts.suite(a.string("suite"), SuiteKind.NEEDLE);
        int templates = SuiteTexts.templates(a, "templates", 0, suite);
        DecodeCap cap = singleCap(a, policy);
        int asked = MultiQuestionRun.questionTemplates(suite).size();
        int questions = a.integer("questions", 0, 1, asked, "suite " + suite.id() + " has " + asked
                + " templates with distinct questions");
        int replays = a.integer("replays", 8, 1, 10_000);
        if (a.has("replays") && questions == 0) {
            throw new UsageException("--replays needs --questions M (multi-question replay)");
        }
        if (a.has("templates") && questions > 0) {
            throw new UsageException("--templates applies to the grid; multi-question replay (--questions) rotates"
                    + " through all of the suite's templates");
        }
        try (Model model = ModelOptions.load(a); BackendFactory backend = DeviceOption.select(a, err)) {
            Map<String, String> params = PolicyChecks.forModel(policy, given, model.config(),
                    PolicyChecks.WindowLimit.none(), err);
            if (questions > 0) {
                return MultiQuestionReport.run(a, out, err, model, backend, suite, policy, params, cap, questions, replays);
            }
            List<NeedleCase> cases = NeedleGridRun.cases(model, suite, templates);
            java.util.IntSummaryStatistics lengths = cases.stream().mapToInt(n -> NeedleEvaluator.promptAndAnswer(
                    model.tokenizer(), n.prompt(), n.answer())[0].length).summaryStatistics();
            int longest = Math.max(0, lengths.getMax());
            PolicyChecks.forPrompts(policy, params, model, longest, "suite " + suite.id() + "'s prompts (up to "
                    + longest + " tokens)");
            PolicyChecks.forBudgetRatio(policy, params, lengths.getMin(), "the suite's shortest prompt");
            NeedleGridRun.Grid g;
            try (Progress progress = Progress.start(a, err, "needle " + suite.id(), cases.size(), "cases")) {
                g = NeedleGridRun.run(backend, model, cases, policy, params, cap, new java.util.HashMap<>(),
                        p -> progress.step(policy), null);
            }
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("suite", suite.id());
            report.put("policy", policy);
            report.put("parameters", PolicyOptions.create(policy, params).parameters().asMap());
            report.put("decodeCap", cap.id());
            report.put("cacheOccupancy", NeedleGridRun.occupancy(g));
            report.put("accuracy", g.accuracy());
            report.put("fullKvAccuracy", g.fullKvAccuracy());
            report.put("lengths", g.lengths());
            report.put("depths", g.depths());
            report.put("successGrid", g.successGrid());
            report.put("meanAnswerLogProbGrid", g.meanLogProbGrid());
            report.put("fullKvSuccessGrid", g.fullKvSuccessGrid());
            List<Map<String, Object>> rows = new ArrayList<>();
            List<List<Object>> csv = new ArrayList<>();
            for (NeedleGridRun.CaseResult c : g.cases()) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("length", c.needle().targetTokens());
                r.put("depth", c.needle().depth());
                r.put("template", c.needle().templateId());
                r.put("promptTokens", c.policy().promptTokens());
                r.put("answer", c.needle().answer());
                r.put("success", c.policy().success());
                r.put("answerLogProb", c.policy().answerLogProb());
                r.put("greedy", c.policy().greedyText());
                r.put("fullKvSuccess", c.fullKv().success());
                r.put("fullKvAnswerLogProb", c.fullKv().answerLogProb());
                rows.add(r);
                List<Object> line = new ArrayList<>(r.values());
                line.add(cap.id());
                line.add(c.policy().occupancy().meanEntriesPerHead());
                line.add(c.policy().occupancy().peakEntriesPerHead());
                line.add(c.policy().occupancy().peakBytes());
                csv.add(line);
            }
            report.put("cases", rows);
            OutputOptions.writeReport(a, out, ReportFiles.json(report), List.of("length", "depth",
                    "template", "prompt_tokens", "answer", "success", "answer_logprob", "greedy", "fullkv_success",
                    "fullkv_answer_logprob", "decode_cap", "mean_entries_per_head", "peak_entries_per_head",
                    "peak_bytes"), csv);
            err.printf("accuracy %.3f (FullKV %.3f)%n", g.accuracy(), g.fullKvAccuracy());
            return 0;
        }
    }
}
