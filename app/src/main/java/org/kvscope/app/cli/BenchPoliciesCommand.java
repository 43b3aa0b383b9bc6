package org.kvscope.app.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.kvscope.engine.CaptureRun;
import org.kvscope.engine.InferenceSession;
import org.kvscope.engine.RetrievalHeads;
import org.kvscope.engine.SessionOptions;
import org.kvscope.kv.BudgetParameters;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.metrics.PolicyAnalysis;
import org.kvscope.model.Model;
import org.kvscope.trace.CaptureOptions;

/**
 * {@code kvscope bench-policies}: what compression costs, per policy, the two figures issue 15
 * sets targets for: prefill time with the policy active against plain (FullKV) prefill, and the
 * policy's selection after prefill (its checked {@code selectAfterPrefill}, {@value #SELECTION_CALLS}
 * calls on each prefill's context: the best, and the first at the full length, which includes
 * compiling the scoring code), both from the same prefills. KVzip's reconstruction pass and DuoAttention's head classification are extra
 * passes, reported apart and left out of the prefill figure. {@code --recompute} adds issue 3's
 * table: a new budget recomputed from a capture without re-running the model.
 */
public final class BenchPoliciesCommand implements Command {
    private static final int WARM_UP_TOKENS = 256;
    /** Selections timed after each prefill, on the same context (the first pays JIT compilation). */
    static final int SELECTION_CALLS = 5;

    @Override public String name() { return "bench-policies"; }

    @Override public String summary() { return "benchmark: prefill with each policy against FullKV, and its selection time"; }

    @Override
    public String usage() {
        return """
                usage: kvscope bench-policies --model FILE [--tokens N] [--repeat R] [--budget B] [--policies LIST]
                                              [--recompute] [--quiet]
                """ + ModelOptions.usage(16) + """
                  --tokens N       prompt length, 16..half the model's context (default 2048), so that
                                   KVzip's repeat of the prompt fits after it)
                  --repeat R       timed rounds, 1..1000, best of each reported (default 2); configurations run
                                   round-robin after one warm-up round on a 256-token prompt
                  --budget B       entries per layer and kv-head for policies with a budget, 2..1048576,
                                   more than each one's always-kept window (default 128)
                  --policies LIST  comma-separated (default: every registered policy)
                  --recompute      also time recomputing kept sets, recall and memory for a new budget
                                   from a capture (issue 3's slider move)
                """ + Progress.USAGE + "\n" + """
                targets (issue 15): prefill within 5% of FullKV's; selection at most 10 ms at 2,048 tokens
                on the SmolLM2-135M shape (kvscope synth --shape smollm2-135m --type q8_0 --out FILE)""";
    }

    @Override
    public int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        Args a = Args.parse(name(), argv, 1, Set.of("model", "tokens", "repeat", "budget", "policies"),
                Set.of("recompute", Progress.QUIET));
        int repeat = a.integer("repeat", 2, 1, 1000);
        int budget = a.integer("budget", 128, 2, 1 << 20);
        List<String> policies = a.has("policies")
                ? Arrays.stream(a.string("policies").split(",")).map(String::trim).toList()
                : PolicyRegistry.entries().stream().map(PolicyRegistry.Entry::name).filter(p -> !p.equals("fullkv")).toList();
        for (String p : policies) {
            PolicyOptions.allowed(Set.of(), p); // validates the name
            PolicyOptions.create(p, stringValues(withBudget(p, budget))); // and the budget, before loading
        }
        try (Model model = ModelOptions.load(a)) {
            int context = model.config().contextLength();
            int n = a.integer("tokens", Math.min(2048, context / 2), 16, context / 2,
                    "the model's context is " + context + " tokens and KVzip's repeat must fit after the prompt");
            for (String p : policies) {
                PolicyChecks.forModel(p, stringValues(withBudget(p, budget)), model.config(),
                        new PolicyChecks.WindowLimit(n, "the prompt has " + n + " tokens"), err);
                PolicyChecks.forPrompts(p, withBudget(p, budget), model, n, "the " + n + "-token prompt");
            }
            int[] prompt = new SplittableRandom(5).ints(n, 3, model.config().vocabSize()).toArray();
            out.println(ModelOptions.describe(model));
            List<String> configs = new ArrayList<>();
            configs.add(null); // plain prefill
            configs.addAll(policies);
            Timings t = new Timings(configs.size());
            try (Progress progress = Progress.start(a, err, "bench-policies", (long) configs.size() * (repeat + 1) + 1,
                    "prefills");
                 InferenceSession session = new InferenceSession(model,
                         SessionOptions.ofContext(Math.min(context, 2 * n + 128)))) {
                if (policies.stream().anyMatch(p -> PolicyRegistry.create(p, withBudget(p, budget)).needsRetrievalScores())) {
                    long t0 = System.nanoTime();
                    RetrievalHeads.of(org.kvscope.backend.Backends.cpu(), model);
                    t.classification = (System.nanoTime() - t0) / 1e6;
                }
                progress.step("head classification");
                // round-robin, best of each: load changes on the machine hit all configurations alike
                for (int r = 0; r <= repeat; r++) {
                    int[] tokens = r == 0 ? Arrays.copyOf(prompt, Math.min(n, WARM_UP_TOKENS)) : prompt;
                    for (int c = 0; c < configs.size(); c++) {
                        String p = configs.get(c);
                        session.reset();
                        SelectionTimer timer = p == null ? null
                                : new SelectionTimer(PolicyRegistry.create(p, withBudget(p, budget)), SELECTION_CALLS);
                        session.setPolicy(timer);
                        long t0 = System.nanoTime();
                        session.prefill(tokens);
                        long wall = System.nanoTime() - t0;
                        if (r > 0) { // the first round warms every code path up
                            long extra = session.lastReconstructionNanos();
                            long repeats = timer == null ? 0 : timer.extraNanos(); // the prefill keeps one selection
                            t.record(c, (wall - extra - repeats) / 1e6, timer == null ? 0 : timer.bestNanos() / 1e6,
                                    extra / 1e6);
                            if (r == 1) {
                                t.firstSelection[c] = timer == null ? 0 : timer.firstNanos() / 1e6;
                            }
                        }
                        progress.step(p == null ? "fullkv" : p);
                    }
                }
            }
            out.printf("prompt %d tokens, budget %d; best of %d round-robin rounds after a warm-up round%n%n", n, budget,
                    repeat);
            out.println("| policy | prefill ms | vs FullKV | selection ms | first selection ms |");
            out.println("|---|---|---|---|---|");
            out.printf("| fullkv (no policy) | %.1f | | | |%n", t.prefill[0]);
            for (int c = 1; c < configs.size(); c++) {
                out.printf("| %s | %.1f | %+.1f%% | %.2f | %.2f |%n", configs.get(c), t.prefill[c],
                        100 * (t.prefill[c] / t.prefill[0] - 1), t.selection[c], t.firstSelection[c]);
            }
            out.printf("selection: best of %d calls on each timed prefill's context; first: the first call at %d tokens"
                    + " (JIT compilation of the scoring code included)%n", SELECTION_CALLS, n);
            out.println();
            for (int c = 1; c < configs.size(); c++) {
                if (t.reconstruction[c] > 0) {
                    out.printf("%s reconstruction pass (extra, once per context; not in its prefill above): %.1f ms%n",
                            configs.get(c), t.reconstruction[c]);
                }
            }
            if (t.classification > 0) {
                out.printf("duo-attention head classification (once per model; not in its prefill above): %.1f ms%n",
                        t.classification);
            }
            out.println("targets (issue 15): prefill within 5% of FullKV's; selection at most 10 ms at 2,048 tokens"
                    + " on the SmolLM2-135M shape");
            if (a.flag("recompute")) {
                recompute(model, prompt, budget, repeat, out);
            }
            return 0;
        }
    }

    /** Best prefill, selection and reconstruction time per configuration (ms). */
    private static final class Timings {
        final double[] prefill, selection, reconstruction, firstSelection;
        double classification;

        Timings(int configs) {
            prefill = new double[configs];
            selection = new double[configs];
            reconstruction = new double[configs];
            firstSelection = new double[configs];
            Arrays.fill(prefill, Double.MAX_VALUE);
            Arrays.fill(selection, Double.MAX_VALUE);
            Arrays.fill(reconstruction, Double.MAX_VALUE);
        }

        void record(int c, double prefillMs, double selectionMs, double reconstructionMs) {
            prefill[c] = Math.min(prefill[c], prefillMs);
            selection[c] = Math.min(selection[c], selectionMs);
            reconstruction[c] = Math.min(reconstruction[c], reconstructionMs);
        }
    }

    private static Map<String, Object> withBudget(String policy, int budget) {
        boolean has = PolicyRegistry.entry(policy).parameters().stream()
                .anyMatch(s -> s.name().equals(BudgetParameters.BUDGET));
        return has ? Map.of(BudgetParameters.BUDGET, budget) : Map.of();
    }

    private static Map<String, String> stringValues(Map<String, Object> params) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        params.forEach((k, v) -> out.put(k, String.valueOf(v)));
        return out;
    }

    /** Issue 3: kept sets, recall, overlap and memory for a new budget from one capture. */
    private static void recompute(Model model, int[] prompt, int budget, int repeat, PrintStream out) {
        int n = prompt.length;
        CaptureRun run = CaptureRun.run(model, prompt, new CaptureOptions(64, 128, 4, 16));
        long setup = System.nanoTime();
        PolicyAnalysis.Analyzer analyzer = new PolicyAnalysis.Analyzer(run.capture());
        out.printf("%ncapture: %.1f MiB bound; analyzer set-up (once per capture) %.1f ms%n%n",
                run.capture().floatBound() * 4 / 1048576.0, (System.nanoTime() - setup) / 1e6);
        out.println("| policy | recompute ms for a new budget (kept sets + recall + overlap + memory) |");
        out.println("|---|---|");
        for (String p : List.of("streamingllm", "h2o", "snapkv", "pyramidkv", "pyramidinfer")) {
            double fastest = Double.MAX_VALUE;
            for (int r = 0; r < Math.max(repeat, 20); r++) {
                int b = budget + (r % 2 == 0 ? 1 : -1) * (r % 7); // a "slider move"
                CompressionPolicy policy = PolicyRegistry.create(p, Map.of("budget", b));
                long t0 = System.nanoTime();
                analyzer.analyze(policy, n + 17, model.config().headDim(), b);
                fastest = Math.min(fastest, (System.nanoTime() - t0) / 1e6);
            }
            out.printf("| %s | %.2f |%n", p, fastest);
        }
    }
}
