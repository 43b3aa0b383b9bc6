package org.kvscope.app.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.kvscope.engine.CaptureRun;
import org.kvscope.engine.InferenceSession;
import org.kvscope.engine.SessionOptions;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.metrics.PolicyAnalysis;
import org.kvscope.model.Model;
import org.kvscope.trace.CaptureOptions;

/**
 * {@code kvscope bench-policies}: what compression costs. (1) Prefill time with each policy's
 * scoring and selection against plain prefill; (2) time to recompute kept sets, recall, overlap
 * and memory for a new budget from a capture, without re-running the model.
 */
public final class BenchPoliciesCommand implements Command {
    @Override public String name() { return "bench-policies"; }

    @Override public String summary() { return "benchmark: policy overhead on prefill, recompute-from-capture latency"; }

    @Override
    public String usage() {
        return """
                usage: kvscope bench-policies --model FILE [--tokens N] [--repeat R] [--budget B]
                  --tokens N   prompt length (default 512, at most the model's context)
                  --repeat R   repetitions, best reported (default 5)
                  --budget B   budget used by the policies (default 64)""";
    }

    @Override
    public int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        Args a = Args.parse(name(), argv, 1, Set.of("model", "tokens", "repeat", "budget"), Set.of());
        int repeat = a.integer("repeat", 5, 1, 1000);
        int budget = a.integer("budget", 64, 2, 1 << 20);
        try (Model model = ModelOptions.load(a)) {
            int n = a.integer("tokens", Math.min(512, model.config().contextLength()), 16, model.config().contextLength());
            int[] prompt = new SplittableRandom(5).ints(n, 3, model.config().vocabSize()).toArray();
            out.println(ModelOptions.describe(model));
            // round-robin over the configurations, best run of each: load changes on the machine hit all alike
            List<String> configs = new java.util.ArrayList<>(List.of("none"));
            configs.addAll(List.of("streamingllm", "h2o", "snapkv", "pyramidkv", "pyramidinfer"));
            double[] best = new double[configs.size()];
            java.util.Arrays.fill(best, Double.MAX_VALUE);
            InferenceSession session = new InferenceSession(model, SessionOptions.ofContext(n + 1));
            for (int r = 0; r < repeat + 1; r++) {
                for (int c = 0; c < configs.size(); c++) {
                    String p = configs.get(c);
                    session.reset();
                    session.setPolicy(p.equals("none") ? null : PolicyRegistry.create(p, Map.of("budget", budget)));
                    long t0 = System.nanoTime();
                    session.prefill(prompt);
                    double ms = (System.nanoTime() - t0) / 1e6;
                    if (r > 0) { // the first round warms every code path up
                        best[c] = Math.min(best[c], ms);
                    }
                }
            }
            out.printf("prompt %d tokens; plain prefill %.1f ms (best of %d, interleaved)%n%n", n, best[0], repeat);
            out.println("| policy | prefill ms | overhead |");
            out.println("|---|---|---|");
            for (int c = 1; c < configs.size(); c++) {
                out.printf("| %s | %.1f | %+.1f%% |%n", configs.get(c), best[c], 100 * (best[c] / best[0] - 1));
            }
            reconstruction(model, prompt, repeat, out);
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
                    long t0 = System.nanoTime();
                    analyzer.analyze(PolicyRegistry.create(p, Map.of("budget", b)), n + 17, model.config().headDim(), b);
                    fastest = Math.min(fastest, (System.nanoTime() - t0) / 1e6);
                }
                out.printf("| %s | %.2f |%n", p, fastest);
            }
            return 0;
        }
    }

    /**
     * KVzip's reconstruction pass, reported apart from prefill (it is an extra forward pass over
     * the context): on half the model's context at most, since the repeat must fit after it.
     */
    private static void reconstruction(Model model, int[] prompt, int repeat, PrintStream out) {
        int n = Math.min(prompt.length, model.config().contextLength() / 2 - 32);
        int[] context = java.util.Arrays.copyOf(prompt, n);
        double prefill = Double.MAX_VALUE, pass = Double.MAX_VALUE;
        try (InferenceSession s = new InferenceSession(model, SessionOptions.ofContext(model.config().contextLength()))) {
            for (int r = 0; r < repeat + 1; r++) {
                s.reset();
                long t0 = System.nanoTime();
                s.prefill(context);
                long t1 = System.nanoTime();
                s.reconstructionScores(context);
                long t2 = System.nanoTime();
                if (r > 0) {
                    prefill = Math.min(prefill, (t1 - t0) / 1e6);
                    pass = Math.min(pass, (t2 - t1) / 1e6);
                }
            }
        }
        out.printf("%nkvzip reconstruction pass (extra, once per context) on %d tokens: %.1f ms; their prefill %.1f ms%n",
                n, pass, prefill);
    }
}
