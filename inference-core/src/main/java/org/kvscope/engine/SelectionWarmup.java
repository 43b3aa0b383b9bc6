package org.kvscope.engine;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.kvscope.kv.BudgetParameters;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.CompressionPolicy.PrefillContext;
import org.kvscope.kv.KvCache;
import org.kvscope.kv.KvCacheType;
import org.kvscope.kv.ParameterSpec;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.kv.PromptKeys;
import org.kvscope.trace.AttentionEvidence;
import org.kvscope.trace.EvidenceCollector;

/**
 * Compiles a policy's selection before the first prefill that needs it: a fresh JVM otherwise runs
 * the first selection after a long prompt mostly interpreted (its loops until their on-stack
 * replacement is compiled), 10-35 ms at 2,048 tokens on the SmolLM2-135M shape against about 1 ms
 * once compiled (docs/BENCHMARKS.md, issue 15). Before such a prefill, {@link #CALLS} selections of
 * a separate instance of the policy ({@link PolicyRegistry#create}: the same choices, budgets of
 * {@link #SMALL_BUDGET} and {@link #LARGE_BUDGET}, the other numbers at their defaults) run on a
 * synthetic {@link #LAYERS}-layer, {@link #PROMPT}-token cache and evidence of the model's heads, so
 * the JIT compiles the same methods; the session's policy, cache and results are untouched. Once per
 * policy and choice of parameters in a JVM, only where the real selection is long enough to be worth
 * it ({@link #worthIt}), and only for policies that {@linkplain CompressionPolicy#warmsUpSelection
 * allow it} (the built-in ones; a plugin's if it opts in). Its time is part of the prefill's. The workbench,
 * whose selections read a capture instead of a cache, warms up that path in the background after a model
 * loads ({@link #forCaptures}).
 */
public final class SelectionWarmup {
    /** Layers of the synthetic context. */
    static final int LAYERS = 2;
    /** Tokens of the synthetic prompt. */
    static final int PROMPT = 96;
    /** Selections run (alternately with the two budgets): enough for C1 to compile every method they call. */
    static final int CALLS = 300;
    /** The budget whose top-k is a heap (a few positions of a long prompt, as in most real runs). */
    static final int SMALL_BUDGET = 12;
    /** The budget whose top-k is a quickselect (most of the prompt). */
    static final int LARGE_BUDGET = 48;
    /** The synthetic capture's window of exact attention rows (at least every built-in policy's default window). */
    static final int CAPTURE_WINDOW = 32;
    /** Scores (layers × kv-heads × prompt tokens) below which a real selection is short even interpreted. */
    static final long WORTH_IT = 1 << 16;

    private static final Set<String> DONE = ConcurrentHashMap.newKeySet();

    private SelectionWarmup() {}

    /** Forgets which policies this JVM warmed up (tests). */
    static void forgetAll() {
        DONE.clear();
    }

    /**
     * True when a selection over {@code keyCount} tokens of this shape is long enough to warm up for.
     * Public for the workbench, which warms up before it knows the prompt (its longest, the model's context).
     */
    public static boolean worthIt(int layers, int kvHeads, int keyCount) {
        return (long) layers * kvHeads * keyCount >= WORTH_IT;
    }

    /**
     * Warms up {@code policy}'s selection for a model of {@code heads} query heads, {@code kvHeads}
     * kv-heads and key length {@code headDim}, cache type {@code type}, unless this JVM already did or
     * the policy does not allow it.
     *
     * @return the selections run (0 when none ran: already warm, not allowed, or the synthetic
     *         context did not suit the policy, which then simply starts cold)
     */
    static int run(CompressionPolicy policy, int heads, int kvHeads, int headDim, KvCacheType type) {
        return run(policy, heads, kvHeads, headDim, type, false);
    }

    /**
     * {@link #run} for selections from a capture ({@code PolicyAnalysis}: no cache, the keys in the
     * evidence, every query's attention accumulated), for a model of this shape: what the workbench's
     * analyses run.
     *
     * @return the selections run (0 when none ran)
     */
    public static int forCaptures(CompressionPolicy policy, int heads, int kvHeads, int headDim) {
        return run(policy, heads, kvHeads, headDim, KvCacheType.F32, true);
    }

    private static int run(CompressionPolicy policy, int heads, int kvHeads, int headDim, KvCacheType type,
                           boolean capture) {
        try {
            if (!policy.warmsUpSelection()) {
                return 0;
            }
            CompressionPolicy a = PolicyRegistry.create(policy.name(), values(policy, SMALL_BUDGET));
            if (!DONE.add((capture ? "capture " : "") + policy.name() + ": " + a.parameters())) {
                return 0;
            }
            CompressionPolicy b = PolicyRegistry.create(policy.name(), values(policy, LARGE_BUDGET));
            a.validateFor(PROMPT);
            b.validateFor(PROMPT);
            PrefillContext ctx = context(a, b, heads, kvHeads, headDim, type, capture);
            if (!capture && a.prefillPruner(ctx) != null) {
                return 0; // its selection follows the pruned forward pass, which the synthetic context lacks
            }
            if (!capture) { // as a session does before its prefill, so the warm-up runs the paths its selection takes
                a.prepareSelection(ctx);
                b.prepareSelection(ctx);
            }
            for (int i = 0; i < CALLS; i++) {
                (i % 2 == 0 ? a : b).checkedSelectAfterPrefill(ctx);
            }
            return CALLS;
        } catch (RuntimeException | LinkageError e) {
            return 0; // speed only (an unregistered policy lands here too): the real selection reports its own failures
        }
    }

    /**
     * The warm-up instance's parameter values: {@code policy}'s choices, flags and reals (they pick code
     * paths), the budget given, no budget ratio, a custom schedule's weights for {@link #LAYERS} layers,
     * the other integers (windows, sinks) at their defaults, which fit the synthetic prompt.
     */
    static Map<String, Object> values(CompressionPolicy policy, int budget) {
        Map<String, Object> given = policy.parameters().asMap(), out = new LinkedHashMap<>();
        for (ParameterSpec s : PolicyRegistry.entry(policy.name()).parameters()) {
            boolean keep = s.type() == ParameterSpec.Type.CHOICE || s.type() == ParameterSpec.Type.BOOLEAN
                    || s.type() == ParameterSpec.Type.DOUBLE;
            if (keep && given.containsKey(s.name())) {
                out.put(s.name(), given.get(s.name()));
            }
            switch (s.name()) {
                case BudgetParameters.BUDGET -> out.put(s.name(), budget);
                case BudgetParameters.RATIO -> out.put(s.name(), 0.0);
                case "layer-weights" -> out.put(s.name(), new int[] {3, 1});
                default -> { }
            }
        }
        return out;
    }

    /**
     * A synthetic prefill's context for both instances (the same evidence needs): a cache holding
     * {@link #PROMPT} random keys and values per layer and kv-head, the attention rows they ask for
     * recorded as a prefill records them, and random reconstruction and retrieval scores when asked.
     */
    static PrefillContext context(CompressionPolicy a, CompressionPolicy b, int heads, int kvHeads,
                                  int headDim, KvCacheType type, boolean capture) {
        Noise random = new Noise();
        KvCache cache = type.newCache(LAYERS, kvHeads, headDim, PROMPT);
        if (!capture && (a.needsKeyNorms() || b.needsKeyNorms())) {
            cache.recordKeyNorms();
        }
        EvidenceCollector collector = capture
                ? new EvidenceCollector(new AttentionEvidence(LAYERS, heads, kvHeads, PROMPT, CAPTURE_WINDOW))
                : InferenceSession.collectorFor(a, LAYERS, heads, kvHeads, PROMPT, java.util.List.of());
        float[] kv = new float[kvHeads * headDim], weights = new float[PROMPT];
        int[] positions = new int[PROMPT];
        for (int q = 0; q < PROMPT; q++) {
            positions[q] = q;
        }
        for (int l = 0; l < LAYERS; l++) {
            for (int q = 0; q < PROMPT; q++) {
                fill(kv, random);
                cache.append(l, q, kv, 0, kv, 0);
                for (int h = 0; collector != null && h < heads; h++) {
                    if (collector.wants(l, h, q)) {
                        softmaxLike(weights, q + 1, random);
                        collector.onAttention(l, h, q, positions, weights, 0, q + 1);
                    }
                }
            }
        }
        AttentionEvidence evidence = collector == null ? null : collector.evidence();
        if (evidence != null && (a.needsContextReconstruction() || b.needsContextReconstruction())) {
            float[][] scores = new float[LAYERS * kvHeads][PROMPT];
            for (float[] s : scores) {
                softmaxLike(s, PROMPT, random);
            }
            evidence.setReconstruction(scores);
        }
        if (evidence != null && (a.needsRetrievalScores() || b.needsRetrievalScores())) {
            float[][] scores = new float[LAYERS][kvHeads];
            for (float[] s : scores) {
                fill(s, random);
            }
            evidence.setRetrievalScores(scores);
        }
        if (capture) {
            PromptKeys.record(cache, evidence);
            return new PrefillContext(LAYERS, heads, kvHeads, PROMPT, PROMPT, evidence);
        }
        return new PrefillContext(LAYERS, heads, kvHeads, PROMPT, PROMPT, evidence, cache);
    }

    private static void fill(float[] a, Noise random) {
        for (int i = 0; i < a.length; i++) {
            a[i] = 2 * random.next() - 1;
        }
    }

    /** {@code count} positive weights summing to about one. */
    private static void softmaxLike(float[] w, int count, Noise random) {
        float sum = 0;
        for (int i = 0; i < count; i++) {
            w[i] = 0.01f + random.next();
            sum += w[i];
        }
        for (int i = 0; i < count; i++) {
            w[i] /= sum;
        }
    }

    /** Cheap deterministic numbers in [0, 1) (xorshift): the context is built before anything is compiled. */
    private static final class Noise {
        private int state = 0x2545F491;

        float next() {
            state ^= state << 13;
            state ^= state >>> 17;
            state ^= state << 5;
            return (state >>> 8) * 0x1p-24f;
        }
    }
}
