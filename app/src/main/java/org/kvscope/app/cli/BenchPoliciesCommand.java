package org.kvscope.app.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
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
 * sets targets for, from the same prefills: prefill time with the policy active against plain
 * (FullKV) prefill, and the policy's selection after prefill (its checked
 * {@code selectAfterPrefill}, {@value #SELECTION_CALLS} calls on each prefill's context, the best
 * reported). After an untimed warm-up round at the full length, each round times one pair per
 * policy: FullKV and the policy on two sessions in turns, chunk by chunk ({@link LockstepPrefill};
 * which starts alternates; policies in an order shuffled per round, seeded, printed), so machine
 * drift slower than a chunk cancels in the pair's ratio.
 * The overhead is the median of the per-pair ratios policy ÷ FullKV, with their range and an
 * order-statistics interval of the median ({@link MedianInterval}) that says whether the 5% bound
 * is resolved; each pair line shows what else ran meanwhile ({@link MachineCounters}). The first selection call is
 * timed apart, in a fresh JVM per policy ({@link FreshSelection}). KVzip's reconstruction pass and
 * DuoAttention's head classification are calibration passes, reported apart and left out of the
 * prefill figure. {@code --recompute} adds issue 3's table: a new budget recomputed from a capture
 * without re-running the model.
 */
public final class BenchPoliciesCommand implements Command {
    /** Selections timed after each prefill, on the same context. */
    static final int SELECTION_CALLS = 5;
    private static final int DEFAULT_SEED = 15, DEFAULT_BUDGET = 128;
    /** Confidence level of the median's interval, and the overhead bound it decides (issue 15: 5%). */
    static final double LEVEL = 0.95, BOUND = 1.05;

    @Override public String name() { return "bench-policies"; }

    @Override public String summary() { return "benchmark: prefill with each policy against FullKV, and its selection time"; }

    @Override
    public String usage() {
        return """
                usage: kvscope bench-policies --model FILE [--tokens N] [--repeat R] [--seed S] [--budget B]
                                              [--policies LIST] [--skip-first-call] [--recompute] [--quiet]
                """ + ModelOptions.usage(16) + """
                  --tokens N       prompt length, 16..half the model's context (default 2048), so that
                                   KVzip's repeat of the prompt fits after it)
                  --repeat R       pairs per policy, 0..1000 (default 6, the fewest with a 95% interval; 0: first
                                   selection calls only): after one untimed warm-up round at the full length,
                                   each round times, per policy, FullKV and the policy on two sessions in
                                   turns, one prefill chunk (256 tokens) each, which starts alternating,
                                   after an untimed full GC; the sessions swap roles every round
                  --seed S         seed of the policies' order per round, 0..2147483647 (default 15; printed)
                  --budget B       entries per layer and kv-head for policies with a budget, 2..the prompt's
                                   tokens (--tokens), more than each one's always-kept window (default 128,
                                   lowered to a shorter prompt)
                  --policies LIST  comma-separated (default: every registered policy); fullkv is the
                                   baseline of every pair, not one of them
                  --skip-first-call  do not time the first selection call (one fresh JVM per policy that
                                   loads the model, prefills with the policy and times its first call)
                  --recompute      also time recomputing kept sets, recall and memory for a new budget
                                   from a capture (issue 3's slider move)
                """ + Progress.USAGE + "\n" + """
                measured: prefill ms (median over the pairs; KVzip's reconstruction and DuoAttention's head
                classification, calibration passes, reported apart), overhead = median of the per-pair ratios
                policy ÷ FullKV [min..max] with a 95%% interval of that median from order statistics, "within 5%%"
                yes / no / not resolved by that interval; per pair, the process's CPU time in each one's turns,
                the CPU each one's thread was on at the end of each of its chunks, the GC time and collections,
                JIT time, other processes' CPU, steal time and this process's minor page faults meanwhile;
                selection ms (best of %d calls after each timed prefill), first
                selection ms (the first call in a fresh JVM, JIT compilation included)
                targets (issue 15): prefill within 5%% of FullKV's; selection at most 10 ms at 2,048 tokens
                on the SmolLM2-135M shape (kvscope synth --shape smollm2-135m --type q8_0 --out FILE)""".formatted(
                SELECTION_CALLS);
    }

    @Override
    public int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        Args a = Args.parse(name(), argv, 1, Set.of("model", "tokens", "repeat", "seed", "budget", "policies"),
                Set.of("recompute", "skip-first-call", Progress.QUIET));
        int repeat = a.integer("repeat", 6, 0, 1000);
        int seed = a.integer("seed", DEFAULT_SEED, 0, Integer.MAX_VALUE);
        int budget = a.integer("budget", DEFAULT_BUDGET, 2, 1 << 20);
        boolean firstCalls = !a.flag("skip-first-call");
        List<String> policies = a.list("policies", PolicyRegistry.entries().stream().map(PolicyRegistry.Entry::name)
                .filter(p -> !p.equals(BASELINE)).toList());
        policies.forEach(p -> PolicyOptions.known("--policies", p)); // validates the names
        boolean budgeted = policies.stream().anyMatch(p -> PolicyChecks.declares(p, BudgetParameters.BUDGET));
        if (a.has("budget") && !budgeted) {
            throw new UsageException("--budget applies to policies with a budget, and none of "
                    + String.join(", ", policies) + " has one");
        }
        policies = withoutBaseline(policies, err);
        OptionalInt givenTokens = budgeted ? givenTokens(a) : OptionalInt.empty();
        if (givenTokens.isPresent()) { // before the model is read: the prompt's length is known
            budget = fitBudget(a, budget, givenTokens.getAsInt(), "--tokens " + givenTokens.getAsInt(), err);
        }
        for (String p : policies) {
            PolicyOptions.create(p, stringValues(withBudget(p, budget))); // and the budget, before loading
        }
        if (repeat == 0 && !firstCalls) {
            throw new UsageException(name() + ": --repeat 0 with --skip-first-call measures nothing");
        }
        Path modelFile = a.existingFile("model");
        try (Model model = ModelOptions.load(a)) {
            int context = model.config().contextLength();
            int n = a.integer("tokens", Math.min(2048, context / 2), 16, context / 2,
                    "the model's context is " + context + " tokens and KVzip's repeat must fit after the prompt");
            if (budgeted && givenTokens.isEmpty()) {
                budget = fitBudget(a, budget, n, "the default --tokens, at most half the model's context of "
                        + context, err);
            }
            for (String p : policies) {
                PolicyChecks.forModel(p, stringValues(withBudget(p, budget)), model.config(),
                        new PolicyChecks.WindowLimit(n, "the prompt has " + n + " tokens"), err);
                PolicyChecks.forPrompts(p, withBudget(p, budget), model, n, "the " + n + "-token prompt");
            }
            int[] prompt = prompt(model, n);
            out.println(ModelOptions.describe(model));
            List<String> configs = new ArrayList<>();
            configs.add(null); // plain prefill
            configs.addAll(policies);
            Timings t = new Timings(configs.size(), repeat);
            long steps = (repeat == 0 ? 0 : configs.size() + 1 + (long) policies.size() * repeat)
                    + (firstCalls ? policies.size() : 0);
            try (Progress progress = Progress.start(a, err, "bench-policies", steps, "runs")) {
                if (firstCalls) { // before anything else: the fresh JVMs share the machine with an idle parent
                    for (int c = 1; c < configs.size(); c++) {
                        String p = configs.get(c);
                        FreshSelection.FirstCall f = FreshSelection.firstCall(modelFile, n, p, stringValues(withBudget(p, budget)));
                        t.firstSelection[c] = f.selectionMs();
                        t.warmup[c] = f.warmupMs();
                        t.freshPrefill[c] = f.prefillMs();
                        progress.step(p + " (fresh JVM)");
                    }
                }
                if (repeat > 0) {
                    pairs(model, prompt, configs, budget, repeat, seed, t, progress, out);
                }
            }
            report(out, configs, t, n, budget, repeat, firstCalls);
            if (a.flag("recompute")) {
                recompute(model, prompt, budget, Math.max(repeat, 1), out);
            }
            return 0;
        }
    }

    /**
     * {@code policies} without FullKV, the baseline every pair times anyway: named with others it is
     * dropped with a note; named alone it would be timed against itself, a usage error.
     */
    static List<String> withoutBaseline(List<String> policies, PrintStream err) {
        List<String> compared = policies.stream().filter(p -> !p.equals(BASELINE)).toList();
        if (compared.isEmpty()) {
            throw new UsageException("--policies " + String.join(",", policies) + ": FullKV is the baseline each policy"
                    + " is timed against, not one to compare; name the policies to time against it (e.g. --policies"
                    + " snapkv,h2o), or leave --policies out for all of them");
        }
        if (compared.size() < policies.size()) {
            err.println("kvscope bench-policies: note: fullkv left out of --policies: it is the baseline of every pair");
        }
        return compared;
    }

    private static final String BASELINE = "fullkv";

    /** bench-policies' prompt of {@code n} tokens (seeded, the same in every process). */
    static int[] prompt(Model model, int n) {
        return new SplittableRandom(5).ints(n, 3, model.config().vocabSize()).toArray();
    }

    /** The session context for a prompt of {@code n} tokens: room for KVzip's repeat of it. */
    static int sessionContext(Model model, int n) {
        return Math.min(model.config().contextLength(), 2 * n + 128);
    }

    /**
     * A warm-up round ({@link #warmUp}: every configuration once on each session, shuffled, untimed), then
     * {@code repeat} rounds, each timing one pair per policy in a shuffled order: FullKV and the policy on two
     * sessions, in turns chunk by chunk ({@link LockstepPrefill}), which one starts alternating from round to round,
     * after a full collection
     * (untimed) so that no earlier pair's garbage is collected inside this one. The sessions swap roles every
     * round ({@link #policyOn}), each keeping its thread: a state of one session or its thread for the whole
     * process (where its arrays and thread-local scratch lie) slows FullKV in half the pairs and the policy in the
     * other half instead of every pair one way (a policy that observes nothing read +2.9% [+0.5..+4.9] in one JVM
     * and +0.5% in another with its session fixed, docs/BENCHMARKS.md, issue 15, h2o20).
     */
    private static void pairs(Model model, int[] prompt, List<String> configs, int budget, int repeat, int seed,
                              Timings t, Progress progress, PrintStream out) throws Exception {
        SessionOptions options = SessionOptions.ofContext(sessionContext(model, prompt.length));
        try (InferenceSession a = new InferenceSession(model, options);
             InferenceSession b = new InferenceSession(model, options);
             LockstepPrefill lockstep = new LockstepPrefill()) {
            InferenceSession[] sessions = {a, b};
            if (configs.stream().skip(1).anyMatch(p -> PolicyRegistry.create(p, withBudget(p, budget)).needsRetrievalScores())) {
                long t0 = System.nanoTime();
                RetrievalHeads.of(org.kvscope.backend.Backends.cpu(), model);
                t.classification = (System.nanoTime() - t0) / 1e6;
            }
            progress.step("head classification");
            Random order = new Random(seed);
            List<Integer> all = new ArrayList<>(java.util.stream.IntStream.range(0, configs.size()).boxed().toList());
            Collections.shuffle(all, order);
            out.printf("warm-up round: %s%n", String.join(", ", all.stream().map(c -> label(configs.get(c))).toList()));
            warmUp(sessions, lockstep, prompt, all.stream().map(configs::get).toList(), budget,
                    config -> progress.step(label(config)));
            List<Integer> policies = new ArrayList<>(all.stream().filter(c -> c > 0).sorted().toList());
            for (int r = 1; r <= repeat; r++) {
                Collections.shuffle(policies, order);
                List<String> pairs = new ArrayList<>();
                for (int c : policies) {
                    pairs.add(fullKvFirst(r, c) ? "fullkv+" + configs.get(c) : configs.get(c) + "+fullkv");
                }
                out.printf("round %d: %s%n", r, String.join(", ", pairs));
                int on = policyOn(r), off = 1 - on;
                for (int c : policies) {
                    String p = configs.get(c);
                    prepare(sessions[off], null, budget);
                    SelectionTimer timer = prepare(sessions[on], p, budget);
                    System.gc(); // untimed: the pair starts on a collected heap
                    MachineCounters before = MachineCounters.now();
                    long[] nanos = lockstep.run(sessions, prompt, fullKvFirst(r, c) ? off : on);
                    MachineCounters.Span span = MachineCounters.now().since(before);
                    long extra = sessions[on].lastReconstructionNanos();
                    double full = nanos[off] / 1e6;
                    double policy = (nanos[on] - extra - timer.extraNanos()) / 1e6; // the prefill keeps one selection
                    t.recordPair(c, r - 1, policy, full, timer.bestNanos() / 1e6, extra / 1e6);
                    long[] cpu = lockstep.cpuNanos();
                    String[] where = lockstep.chunkCpus();
                    out.printf("  round %d %s: fullkv %.1f ms, %s %.1f ms, %+.1f%% (policy on session %s); process CPU in"
                                    + " their turns %s; CPU at each chunk's end %s / %s; in the pair: %s%n", r, p, full, p,
                            policy, 100 * (policy / full - 1), on == 0 ? "a" : "b", cpu[0] < 0 || cpu[1] < 0 ? "?"
                                    : "%.0f / %.0f ms".formatted(cpu[off] / 1e6, cpu[on] / 1e6), where[off], where[on], span);
                    progress.step(p + " pair");
                }
            }
        }
    }

    /**
     * The untimed warm-up: each configuration in {@code configs} (null: FullKV) on both sessions at once, in turns
     * chunk by chunk on {@code lockstep}'s threads, as the pairs run: every code path once at the full length on
     * each session and on the thread that runs it in the pairs, so that those threads' first prefill (their
     * thread-local buffers made, the compiled code's first calls on a new thread: three deoptimizations in round 1
     * when the warm-up ran on the calling thread, docs/BENCHMARKS.md, issue 15, h2o21) falls outside the timed rounds.
     */
    static void warmUp(InferenceSession[] sessions, LockstepPrefill lockstep, int[] prompt, List<String> configs,
                       int budget, java.util.function.Consumer<String> done) throws Exception {
        for (String config : configs) {
            for (InferenceSession session : sessions) {
                prepare(session, config, budget);
            }
            lockstep.run(sessions, prompt, 0);
            done.accept(config);
        }
    }

    /** The session (0: a, 1: b) that runs the policies in round r, FullKV running on the other: they swap every round. */
    static int policyOn(int round) {
        return round % 2;
    }

    /** Alternates per round and, within a round, between neighbouring policies. */
    private static boolean fullKvFirst(int round, int config) {
        return (round + config) % 2 == 1;
    }

    /** Resets {@code session} for a prefill with {@code policy} (null: FullKV); the policy's selection timer, or null. */
    private static SelectionTimer prepare(InferenceSession session, String policy, int budget) {
        session.reset();
        SelectionTimer timer = policy == null ? null
                : new SelectionTimer(PolicyRegistry.create(policy, withBudget(policy, budget)), SELECTION_CALLS);
        session.setPolicy(timer);
        return timer;
    }

    private static String label(String config) {
        return config == null ? "fullkv" : config;
    }

    private static void report(PrintStream out, List<String> configs, Timings t, int n, int budget, int repeat,
                               boolean firstCalls) {
        out.printf("%nprompt %d tokens, budget %d; %d pair%s per policy after a warm-up round: each round times, per"
                + " policy in a shuffled order, FullKV and the policy in turns, one prefill chunk each (which starts"
                + " alternates), after an untimed full GC%n%n", n, budget, repeat, repeat == 1 ? "" : "s");
        out.printf("| policy | prefill ms | vs FullKV: median of pair ratios [min..max] | %.0f%% interval of the median"
                + " (coverage) | pairs | within %.0f%% | selection ms | first selection ms |%n",
                100 * LEVEL, 100 * (BOUND - 1));
        out.println("|---|---|---|---|---|---|---|---|");
        out.printf("| fullkv (no policy) | %s | | | %d | | | |%n",
                repeat == 0 ? "-" : "%.1f".formatted(Spread.of(t.fullKv()).median()), repeat);
        for (int c = 1; c < configs.size(); c++) {
            String prefill = "-", ratio = "-", interval = "-", verdict = "-", selection = "-";
            if (repeat > 0) {
                double[] ratios = t.ratios(c);
                prefill = "%.1f".formatted(Spread.of(t.prefill[c]).median());
                ratio = Spread.of(ratios).asPercentages();
                MedianInterval ci = MedianInterval.of(ratios, LEVEL);
                interval = ci.asPercentages();
                verdict = verdict(ci);
                selection = "%.2f".formatted(t.selection[c]);
            }
            out.printf("| %s | %s | %s | %s | %d | %s | %s | %s |%n", configs.get(c), prefill, ratio, interval, repeat,
                    verdict, selection, firstCalls ? "%.2f".formatted(t.firstSelection[c]) : "-");
        }
        out.printf("within %.0f%%: yes when the whole interval is at most +%.0f%%, no when it is all above, else not"
                + " resolved (more pairs, or a quieter machine)%n", 100 * (BOUND - 1), 100 * (BOUND - 1));
        out.printf("selection: best of %d calls after each timed prefill; first selection: the first call after a %d-token"
                + " prefill in a fresh JVM (JIT compilation included)%n", SELECTION_CALLS, n);
        for (int c = 1; c < configs.size() && firstCalls; c++) {
            out.printf("%s in the fresh JVM: selection warm-up %.1f ms before the forward pass, in a prefill of %.1f ms"
                    + " (%.1f%%; the warm-up once per policy in a JVM)%n", configs.get(c), t.warmup[c], t.freshPrefill[c],
                    100 * t.warmup[c] / t.freshPrefill[c]);
        }
        out.println();
        for (int c = 1; c < configs.size() && repeat > 0; c++) {
            if (t.reconstruction[c] > 0) {
                out.printf("%s reconstruction pass (calibration, once per context; not in its prefill above): %.1f ms%n",
                        configs.get(c), t.reconstruction[c]);
            }
        }
        if (t.classification > 0) {
            out.printf("duo-attention head classification (calibration, once per model; not in its prefill above): %.1f ms%n",
                    t.classification);
        }
        out.println("targets (issue 15): prefill within 5% of FullKV's; selection at most 10 ms at 2,048 tokens"
                + " on the SmolLM2-135M shape");
    }

    /** yes / no / not resolved for the overhead bound, from the median's interval at {@link #LEVEL}. */
    static String verdict(MedianInterval ci) {
        if (ci.coverage() < LEVEL) {
            return "not resolved (too few pairs)";
        }
        return ci.atMost(BOUND) ? "yes" : ci.above(BOUND) ? "no" : "not resolved";
    }

    /** Per policy: its prefill and its FullKV partner's per pair, best selection and reconstruction, first selection (ms). */
    private static final class Timings {
        final double[][] prefill, partner;
        final double[] selection, reconstruction, firstSelection, warmup, freshPrefill;
        double classification;

        Timings(int configs, int pairs) {
            prefill = new double[configs][pairs];
            partner = new double[configs][pairs];
            selection = new double[configs];
            reconstruction = new double[configs];
            firstSelection = new double[configs];
            warmup = new double[configs];
            freshPrefill = new double[configs];
            Arrays.fill(selection, Double.MAX_VALUE);
            Arrays.fill(reconstruction, Double.MAX_VALUE);
        }

        void recordPair(int c, int pair, double policyMs, double fullKvMs, double selectionMs, double reconstructionMs) {
            prefill[c][pair] = policyMs;
            partner[c][pair] = fullKvMs;
            selection[c] = Math.min(selection[c], selectionMs);
            reconstruction[c] = Math.min(reconstruction[c], reconstructionMs);
        }

        double[] ratios(int c) {
            return Spread.pairedRatios(prefill[c], partner[c]);
        }

        /** Every timed FullKV prefill (one per pair). */
        double[] fullKv() {
            return Arrays.stream(partner).skip(1).flatMapToDouble(Arrays::stream).toArray();
        }
    }

    /** {@code --tokens} as given, when it is an integer (its range, which depends on the model, is checked with it). */
    private static OptionalInt givenTokens(Args a) {
        try {
            return a.has("tokens") ? OptionalInt.of(Integer.parseInt(a.string("tokens").trim())) : OptionalInt.empty();
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    /**
     * The budget for an {@code n}-token prompt: a given one above {@code n} is a usage error naming the
     * prompt ({@code why}), the default is lowered to {@code n} with a note.
     */
    static int fitBudget(Args a, int budget, int n, String why, PrintStream err) {
        if (budget <= n) {
            return budget;
        }
        if (a.has("budget")) {
            throw new UsageException("--budget " + budget + " is more than the prompt's " + n + " tokens (" + why
                    + "); give at most " + n);
        }
        err.printf("note: --budget %d (default) lowered to the prompt's %d tokens%n", budget, n);
        return n;
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
