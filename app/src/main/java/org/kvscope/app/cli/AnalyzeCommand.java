package org.kvscope.app.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.kvscope.app.report.AnalysisReport;
import org.kvscope.app.report.ReportFiles;
import org.kvscope.backend.BackendFactory;
import org.kvscope.engine.CaptureRun;
import org.kvscope.engine.PolicyEvidence;
import org.kvscope.engine.CompressedPerplexity;
import org.kvscope.engine.DecodeCap;
import org.kvscope.engine.PrefillFork;
import org.kvscope.kv.BudgetParameters;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.FullKvPolicy;
import org.kvscope.kv.KvCache;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.metrics.CacheOccupancy;
import org.kvscope.metrics.LogProbs;
import org.kvscope.metrics.PolicyAnalysis;
import org.kvscope.model.Model;
import org.kvscope.trace.CaptureOptions;

/**
 * {@code kvscope analyze}: one JSON report of a policy on a prompt — kept sets, recall, PvC
 * overlap, funnelling profile, KV memory and perplexity change against FullKV.
 */
public final class AnalyzeCommand implements Command {
    private static final Set<String> OWN = Set.of("model", "prompt", "text-file", "suite", "policy",
            "continuation", "decode-steps", "window-capture", "max-tokens", "out", "decode-cap", DeviceOption.NAME,
            DeviceOption.CACHE_TYPE);

    @Override public String name() { return "analyze"; }

    @Override public String summary() { return "JSON report of one policy on a prompt: recall, overlap, funnelling, memory, perplexity"; }

    @Override
    public String usage() {
        return """
                usage: kvscope analyze --model FILE (--prompt TEXT | --text-file FILE | --suite ID) --policy NAME
                                       [--budget B] [policy parameters] [--continuation K] [--decode-steps S] [--out FILE]
                                       [--decode-cap none|budget] [--max-tokens N] [--window-capture W]
                                       [--device D] [--cache-type T] [--quiet]
                """ + ModelOptions.usage(18) + PromptOptions.usage(18) + PolicyOptions.usage(18, true) + """
                  --max-tokens N     keep only the prompt's first N tokens, 3..1048576
                  --continuation K   last K prompt tokens are teacher-forced after compression for perplexity,
                                     1..the prompt's tokens - 2 (default 25%)
                  --decode-steps S   FullKV decode steps captured for recall, 0..4096 (default 16)
                  --window-capture W exact rows captured for the last W prompt queries, 1..4096 (default 64)
                  --decode-cap M     cache while the continuation is teacher-forced: none (as the policy lets it
                                     grow, default) or budget (held at the policy's selection; docs/CLI.md)
                  --out FILE         write the JSON there instead of stdout
                """ + DeviceOption.USAGE + "\n" + Progress.USAGE + "\n" + PolicyOptions.describeAll();
    }

    @Override
    public int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        String policyName = PolicyOptions.policyName(argv, null);
        if (policyName == null) {
            throw new UsageException("missing required option --policy; valid: "
                    + String.join(", ", PolicyRegistry.entries().stream().map(PolicyRegistry.Entry::name).toList()));
        }
        Args a = Args.parse(name(), argv, 1, PolicyOptions.allowed(OWN, policyName), Set.of(Progress.QUIET));
        DeviceOption.device(a);
        Map<String, String> given = PolicyOptions.values(a, policyName);
        PolicyOptions.create(policyName, given); // parameters alone, before anything is loaded
        OutputOptions.check(a, "out");
        int maxTokens = a.integer("max-tokens", Integer.MAX_VALUE, 3, 1 << 20);
        int decodeSteps = a.integer("decode-steps", 16, 0, 4096);
        int windowCapture = a.integer("window-capture", 64, 1, 4096);
        String text = PromptOptions.text(a);
        DecodeCap cap = NeedleCommand.singleCap(a, policyName);
        try (Model model = ModelOptions.load(a); BackendFactory backend = DeviceOption.select(a, err)) {
            int[] tokens = model.tokenizer().encodeWithSpecials(text);
            tokens = Arrays.copyOf(tokens, Math.min(tokens.length, maxTokens));
            String promptSize = "the prompt has " + tokens.length + " tokens"
                    + (tokens.length == maxTokens ? " (--max-tokens " + maxTokens + ")" : "");
            if (tokens.length < 3) {
                throw new UsageException(promptSize + "; analyze needs at least 3");
            }
            int cont = a.integer("continuation", Math.max(1, tokens.length / 4), 1, tokens.length - 2, promptSize);
            int total = tokens.length + decodeSteps + 1;
            if (total > model.config().contextLength()) {
                throw new UsageException("the prompt (" + tokens.length + " tokens) + --decode-steps " + decodeSteps
                        + " exceeds the model's context of " + model.config().contextLength() + " tokens");
            }
            PolicyChecks.WindowLimit limit = windowCapture < tokens.length
                    ? new PolicyChecks.WindowLimit(windowCapture, "--window-capture is " + windowCapture)
                    : new PolicyChecks.WindowLimit(tokens.length, promptSize);
            Map<String, String> params = PolicyChecks.forModel(policyName, given, model.config(), limit, err);
            PolicyChecks.forPrompts(policyName, params, model, tokens.length, "this prompt");
            int context = tokens.length - cont;
            PolicyChecks.forBudgetRatio(policyName, params, context, "the prompt before its --continuation");
            Map<String, Object> report;
            try (Progress progress = Progress.start(a, err, "analyze", Stage.values().length, "stages")) {
                report = analyze(backend, model, text, tokens, policyName, params, context, decodeSteps, windowCapture,
                        cap, progress);
            }
            String json = ReportFiles.json(report);
            if (a.has("out")) {
                OutputOptions.write(a, "out", json);
                err.println("wrote " + a.string("out"));
            } else {
                out.println(json);
            }
            return 0;
        }
    }

    /**
     * What analyze does, in order: each is one step of its progress. Two model passes: the FullKV
     * capture (whose prefill also scores the continuation: the FullKV perplexity) and the policy's
     * perplexity run (none for FullKV itself, whose perplexity is the baseline).
     */
    private enum Stage {
        CAPTURE("FullKV prefill and decode with attention capture and FullKV perplexity (and KVzip's reconstruction)"),
        POLICY("kept sets, recall and overlap"), POLICY_PERPLEXITY("perplexity with the policy");

        final String what;

        Stage(String what) {
            this.what = what;
        }
    }

    static Map<String, Object> analyze(BackendFactory backend, Model model, String text, int[] tokens,
                                       String policyName, Map<String, ?> params, int contextTokens, int decodeSteps,
                                       int windowCapture, DecodeCap cap, Progress progress) {
        progress.stepTo(0, Stage.CAPTURE.what);
        FullKvBaseline fullKv = new FullKvBaseline(tokens, contextTokens, model.config().vocabSize());
        CompressionPolicy policy = PolicyOptions.create(policyName, params);
        int[] ctx = Arrays.copyOf(tokens, contextTokens);
        int[] cont = Arrays.copyOfRange(tokens, contextTokens, tokens.length);
        // the policy's prefill of the context continues from the capture's first chunks (same forward calls)
        PrefillFork fork = policy instanceof FullKvPolicy ? null : PrefillFork.of(
                CompressedPerplexity.sessionOptions(backend, ctx.length, cont.length), model.config(),
                PolicyOptions.create(policyName, params), ctx);
        CaptureRun run = CaptureRun.run(backend, model, tokens, new CaptureOptions(windowCapture, 128, 4, decodeSteps),
                p -> { }, () -> false, contextTokens - 1, fullKv, policy.needsContextReconstruction(), fork);
        CompressedPerplexity.Result full = fullKv.result();
        progress.step(Stage.POLICY.what);
        PolicyEvidence.complete(backend, model, policy, run); // DuoAttention's head scores (KVzip's came with the capture)
        int overlapK = policy.parameters().asMap().containsKey(BudgetParameters.BUDGET)
                ? policy.parameters().getInt(BudgetParameters.BUDGET) : 32;
        PolicyAnalysis analysis = PolicyAnalysis.analyze(run.capture(), policy, tokens.length + decodeSteps + 1,
                model.config().headDim(), overlapK).inCacheType(backend.cacheType(), model.config().headDim());
        progress.step(Stage.POLICY_PERPLEXITY.what);
        CompressionPolicy scored = PolicyOptions.create(policyName, params);
        CompressedPerplexity.Result withPolicy = scored instanceof FullKvPolicy ? full // never capped: no budget
                : fork != null ? CompressedPerplexity.evaluate(backend, model, scored, cap, fork, cont, null)
                : CompressedPerplexity.evaluate(backend, model, scored, cap, ctx, cont, null);
        progress.step("done");
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("model", AnalysisReport.model(model));
        Map<String, Object> prompt = new LinkedHashMap<>();
        prompt.put("tokens", tokens.length);
        prompt.put("characters", text.length());
        prompt.put("generatedForRecall", model.tokenizer().decode(run.generated()));
        report.put("prompt", prompt);
        Map<String, Object> pol = new LinkedHashMap<>();
        pol.put("name", policy.name());
        pol.put("parameters", policy.parameters().asMap());
        report.put("policy", pol);
        report.putAll(AnalysisReport.analysis(analysis, true));
        report.put("funnelling", AnalysisReport.funnelling(run.capture()));
        report.put("perplexity", AnalysisReport.perplexity(withPolicy, full, contextTokens));
        Map<String, Object> cache = new LinkedHashMap<>();
        cache.put("decodeCap", cap.id());
        cache.put("policy", AnalysisReport.occupancy(withPolicy.occupancy()));
        cache.put("fullKv", AnalysisReport.occupancy(full.occupancy()));
        report.put("continuationCache", cache);
        return report;
    }

    /**
     * The FullKV baseline of the continuation (tokens from {@code contextTokens} on), taken from the
     * capture pass: row r's prefill logits predict token r + 1, the same exact-attention computation
     * as a FullKV prefill of the context and teacher-forced decode, through the prefill's matrix
     * kernels instead of decode's matrix-vector ones (they differ in rounding only). Its cache
     * occupancy is what that run samples: after prefill ({@code contextTokens} entries per
     * (layer, kv-head)) and after each of the continuation's decode steps (one more each).
     */
    private static final class FullKvBaseline implements CaptureRun.PromptObserver {
        private final int[] tokens;
        private final int contextTokens;
        private final int vocab;
        private double nll;
        private CacheOccupancy occupancy = CacheOccupancy.NONE;

        FullKvBaseline(int[] tokens, int contextTokens, int vocab) {
            this.tokens = tokens;
            this.contextTokens = contextTokens;
            this.vocab = vocab;
        }

        @Override
        public void accept(int row, float[] logits, int offset) {
            if (row >= contextTokens - 1 && row + 1 < tokens.length) {
                nll -= LogProbs.logProb(logits, offset, vocab, tokens[row + 1]);
            }
        }

        @Override
        public void promptCached(KvCache cache) {
            int heads = cache.layers() * cache.kvHeads();
            long bytesPerPosition = cache.keptBytes() / tokens.length; // FullKV: every head holds every position
            int samples = tokens.length - contextTokens;
            long last = contextTokens + samples - 1L;
            long positionSum = (long) samples * contextTokens + (long) samples * (samples - 1) / 2;
            occupancy = new CacheOccupancy(samples, heads, (double) (positionSum * heads) / samples, last * heads,
                    (int) last, (double) (positionSum * bytesPerPosition) / samples, last * bytesPerPosition);
        }

        CompressedPerplexity.Result result() {
            return new CompressedPerplexity.Result(nll, tokens.length - contextTokens, occupancy);
        }
    }
}
