package org.kvscope.app.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.kvscope.app.eval.ScoreAgreementRun;
import org.kvscope.app.report.AnalysisReport;
import org.kvscope.app.report.ReportFiles;
import org.kvscope.backend.BackendFactory;
import org.kvscope.engine.CaptureRun;
import org.kvscope.engine.ContextReconstruction;
import org.kvscope.kv.PositionScorer;
import org.kvscope.metrics.ScoreAgreement;
import org.kvscope.model.Model;
import org.kvscope.trace.CaptureOptions;

/**
 * {@code kvscope score-agreement}: per layer, Spearman rank correlation and top-k overlap between
 * the importance scores of every pair of the given policies on one prompt.
 */
public final class ScoreAgreementCommand implements Command {
    @Override public String name() { return "score-agreement"; }

    @Override public String summary() { return "per layer: rank correlation and top-k overlap of policies' importance scores"; }

    @Override
    public String usage() {
        return """
                usage: kvscope score-agreement --model FILE (--prompt TEXT | --text-file FILE | --suite ID)
                                               [--policies LIST] [--budget B] [--top-k K] [--max-tokens N]
                                               [--window-capture W] [--out-json FILE] [--out-csv FILE]
                                               [--device D] [--cache-type T] [--quiet]
                """ + ModelOptions.usage(18) + PromptOptions.usage(18) + """
                  --policies LIST    comma-separated policies that score positions (default: every one that does;
                                     kvzip's scores take one extra pass, its context reconstruction)
                  --budget B         budget given to policies that declare one, 1..1048576, more than each
                                     one's always-kept window (default 64)
                  --top-k K          size of the top-k sets compared, 1..1048576, at most the positions a pair
                                     compares (default: the budget, lowered to them)
                  --max-tokens N     keep only the prompt's first N tokens, 3..1048576
                  --window-capture W exact rows captured for the last W prompt queries, 1..4096 (default 64); each
                                     policy's observation window must fit in it
                  --out-json FILE    the JSON report (without --out-json or --out-csv it goes to stdout)
                  --out-csv FILE     one row per pair and layer: spearman and topk_overlap averaged over kv-heads
                """ + DeviceOption.USAGE + "\n" + Progress.USAGE + "\n" + """
                Compared are the prompt positions both policies choose among (neither one's always-kept sinks
                nor recent window); tied scores share their mean rank; top-k ties go to the earlier position.""";
    }

    @Override
    public int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        Args a = Args.parse(name(), argv, 1, Set.of("model", "prompt", "text-file", "suite", "policies", "budget",
                "top-k", "max-tokens", "window-capture", "out-json", "out-csv", DeviceOption.NAME, DeviceOption.CACHE_TYPE),
                Set.of(Progress.QUIET));
        DeviceOption.device(a);
        List<String> names = a.list("policies", ScoreAgreementRun.scoringPolicies());
        if (names.size() < 2) {
            throw new UsageException("--policies needs at least two policies, was '" + a.string("policies", "") + "'");
        }
        int budget = a.integer("budget", 64, 1, 1 << 20);
        int topK = a.integer("top-k", budget, 1, 1 << 20);
        int maxTokens = a.integer("max-tokens", Integer.MAX_VALUE, 3, 1 << 20);
        int windowCapture = a.integer("window-capture", 64, 1, 4096);
        List<PositionScorer> policies = new ArrayList<>();
        for (String n : names) {
            PolicyOptions.allowed(Set.of(), n); // the name, with the list of valid ones
            try {
                policies.add(ScoreAgreementRun.create(n, Map.of(), budget));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--policies: " + e.getMessage());
            }
        }
        for (PositionScorer p : policies) {
            if (p.evidenceWindow() > windowCapture) {
                throw new UsageException("policy " + p.name() + " observes the last " + p.evidenceWindow()
                        + " queries but --window-capture is " + windowCapture);
            }
        }
        OutputOptions.check(a, "out-json", "out-csv");
        String text = PromptOptions.text(a);
        try (Model model = ModelOptions.load(a); BackendFactory backend = DeviceOption.select(a, err)) {
            int[] tokens = model.tokenizer().encodeWithSpecials(text);
            tokens = Arrays.copyOf(tokens, Math.min(tokens.length, maxTokens));
            int fits = model.config().contextLength() - 1; // the capture's prefill is followed by one decode step
            if (tokens.length > fits) {
                throw new UsageException("the prompt has " + tokens.length + " tokens, more than the model's context of "
                        + model.config().contextLength() + " allows: give --max-tokens at most " + fits
                        + " or a shorter prompt");
            }
            checkTopK(a, policies, tokens.length, topK, err);
            if (tokens.length < windowCapture) {
                windowCapture = tokens.length;
            }
            boolean reconstruct = policies.stream().anyMatch(PositionScorer::needsContextReconstruction);
            if (reconstruct) {
                try {
                    ContextReconstruction.requireRoom(model, tokens.length);
                } catch (IllegalArgumentException e) {
                    throw new UsageException(e.getMessage());
                }
            }
            List<ScoreAgreement> pairs;
            try (Progress progress = Progress.start(a, err, "score-agreement", 2, "stages")) {
                progress.stepTo(0, "FullKV prefill with attention capture" + (reconstruct ? " and KVzip's reconstruction" : ""));
                CaptureRun run = CaptureRun.run(backend, model, tokens, new CaptureOptions(windowCapture, 16, 4, 0),
                        p -> { }, () -> false, tokens.length, null, reconstruct);
                progress.step("scores of " + policies.size() + " policies");
                pairs = ScoreAgreementRun.pairs(run.capture().evidence(), tokens.length, model.config().contextLength(),
                        policies, topK);
                progress.step("done");
            }
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("model", AnalysisReport.model(model));
            report.put("promptTokens", tokens.length);
            report.put("budget", budget);
            report.put("topK", topK);
            report.put("policies", policies.stream().map(p -> Map.of("name", p.name(),
                    "parameters", p.parameters().asMap())).toList());
            report.put("pairs", pairs.stream().map(ScoreAgreementRun::json).toList());
            OutputOptions.writeReport(a, out, ReportFiles.json(report), ScoreAgreementRun.CSV_HEADER,
                    ScoreAgreementRun.csvRows(pairs));
            return 0;
        }
    }

    /**
     * Checks, before the forward pass, that every pair has positions to compare and that a
     * {@code --top-k} the user gave fits the fewest of them; the default (the budget) is lowered
     * per pair to its positions, and a note says so.
     *
     * @throws UsageException naming the pair and the prompt's length
     */
    private static void checkTopK(Args a, List<PositionScorer> policies, int tokens, int topK, PrintStream err) {
        int fewest = Integer.MAX_VALUE;
        String pair = "";
        for (int i = 0; i < policies.size(); i++) {
            for (int j = i + 1; j < policies.size(); j++) {
                int n;
                try {
                    n = ScoreAgreement.comparedPositions(policies.get(i), policies.get(j), tokens);
                } catch (IllegalArgumentException e) {
                    throw new UsageException(e.getMessage());
                }
                if (n < fewest) {
                    fewest = n;
                    pair = policies.get(i).name() + " and " + policies.get(j).name();
                }
            }
        }
        if (topK <= fewest) {
            return;
        }
        String why = "the prompt has " + tokens + " tokens, and " + pair + " compare " + fewest
                + " positions (those outside their always-kept sinks and windows)";
        if (a.has("top-k")) {
            throw new UsageException("--top-k " + topK + " is more than " + why + ": give --top-k at most " + fewest
                    + " or a longer prompt");
        }
        err.println("note: top-k " + topK + " (default: the budget) is lowered to the positions a pair compares where"
                + " it is more: " + why);
    }
}
