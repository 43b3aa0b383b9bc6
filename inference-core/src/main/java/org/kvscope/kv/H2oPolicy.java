package org.kvscope.kv;

import java.util.List;
import org.kvscope.trace.AttentionEvidence;

/**
 * H2O (heavy hitters): positions are scored by the attention they have accumulated from every
 * query so far (summed over the query heads of a kv-head); the top scorers plus a recent window
 * fill the budget. After prefill the scores come from the prompt; during decoding each new
 * query's attention is added and, whenever a head exceeds its budget, its lowest-scoring
 * position outside the recent window is evicted.
 */
public final class H2oPolicy extends ScoredPolicy {
    public static final String NAME = "h2o";
    private float[][][] accumulated; // [layer][kvHead][position], from the first decode step after a selection
    private PrefillContext prompt;   // the last selection's context, until the first decode step reads its scores
    private int[] layerBudgets;

    public H2oPolicy(PolicyParameters params) {
        super(params);
        BudgetParameters.requireBelowBudget(params, "recent");
    }

    public static List<ParameterSpec> specs() {
        return concat(BudgetParameters.specs("uniform"), List.of(
                ParameterSpec.integer("recent", 0, 1 << 16, 8, "most recent positions always kept")));
    }

    @Override public String name() { return NAME; }

    @Override public int evidenceWindow() { return 1; }

    @Override public boolean needsAccumulatedAttention() { return true; }

    /** Scoring reads the evidence and the parameters only. */
    @Override protected boolean scoresLayersConcurrently() { return true; }

    @Override
    protected int recentKept(int promptLength) {
        return Math.min(params.getInt("recent"), promptLength);
    }

    /**
     * The kv-head's query heads' accumulated attention summed, head after head: the evidence's sum, added during
     * the prefill ({@link AttentionEvidence#accumulatedKvHeadSum}), or added here when the evidence has none.
     */
    @Override
    protected float[] scores(PrefillContext ctx, int layer, int kvHead) {
        float[] sum = ctx.evidence().accumulatedKvHeadSum(layer, kvHead);
        return sum != null ? sum : accumulatedScores(ctx, layer, kvHead);
    }

    /**
     * The kv-head's query heads' accumulated attention summed in an array of the prompt's length, head after head
     * from 0 (as the evidence adds its sum). A plain loop, the same floats as the Vector API's {@code axpy} with a
     * factor of 1 (a fused x·1 + y rounds once, as x + y does): the engine's selection warm-up runs this before the
     * prefill, where the Vector API would run its allocating fallbacks and leave the prefill's kernels profiled by them.
     */
    private static float[] accumulatedScores(PrefillContext ctx, int layer, int kvHead) {
        AttentionEvidence ev = ctx.evidence();
        int group = ctx.groupSize(), n = ctx.promptLength();
        float[] out = new float[n];
        for (int g = 0; g < group; g++) {
            float[] acc = ev.accumulated(layer, kvHead * group + g);
            for (int i = 0; i < n; i++) {
                out[i] += acc[i];
            }
        }
        return out;
    }

    /**
     * The scored selection (each thread's share of layers in one top-k call). The decode-time accumulators, one
     * per layer and kv-head sized for the context (1.5 MiB at 2,048 tokens on the SmolLM2-135M shape), are made at
     * the first decode step from this context's scores ({@link #onDecodeStep}), not here: a first selection that
     * allocated them set off a young collection inside itself about once in eight calls.
     */
    @Override
    public KeptPositions selectAfterPrefill(PrefillContext ctx) {
        accumulated = null;
        prompt = ctx;
        // decode-time budgets: as if the prompt were at least as long as the budget
        int n = Math.max(ctx.promptLength(), BudgetParameters.average(params, ctx.promptLength()));
        layerBudgets = layerBudgets(ctx, Math.min(n, ctx.contextLength()));
        return super.selectAfterPrefill(ctx); // a prompt within the budget is not scored
    }

    /** Per layer and kv-head, the prompt's scores in an array of the context's length (zeros after the prompt). */
    private float[][][] decodeAccumulators(PrefillContext ctx) {
        float[][][] acc = new float[ctx.layers()][ctx.kvHeads()][];
        for (int l = 0; l < ctx.layers(); l++) {
            for (int h = 0; h < ctx.kvHeads(); h++) {
                acc[l][h] = java.util.Arrays.copyOf(scores(ctx, l, h), ctx.contextLength());
            }
        }
        return acc;
    }

    @Override public boolean needsDecodeAttention() { return true; }

    /** The first {@code size} positions except the one in slot {@code victim}. */
    static int[] withoutSlot(int[] positions, int size, int victim) {
        int[] kept = new int[size - 1];
        for (int s = 0, k = 0; s < size; s++) {
            if (s != victim) {
                kept[k++] = positions[s];
            }
        }
        return kept;
    }

    @Override
    public int[][][] onDecodeStep(DecodeContext ctx) {
        if (accumulated == null) {
            if (prompt == null) {
                return null;
            }
            accumulated = decodeAccumulators(prompt);
            prompt = null;
        }
        KvCache cache = ctx.cache();
        int recent = params.getInt("recent");
        int group = ctx.groupSize();
        int[][][] out = null;
        for (int l = 0; l < cache.layers(); l++) {
            for (int h = 0; h < cache.kvHeads(); h++) {
                int size = cache.size(l, h);
                int[] pos = cache.positions(l, h);
                float[] acc = accumulated[l][h];
                for (int g = 0; g < group; g++) {
                    float[] w = ctx.lastWeights()[l][h * group + g];
                    for (int s = 0; s < Math.min(size, w.length); s++) {
                        acc[pos[s]] += w[s];
                    }
                }
                if (size > layerBudgets[l]) {
                    int victim = -1;
                    for (int s = 0; s < size; s++) {
                        if (pos[s] > ctx.position() - recent) {
                            break;
                        }
                        if (victim < 0 || acc[pos[s]] < acc[pos[victim]]) {
                            victim = s;
                        }
                    }
                    if (victim >= 0) {
                        if (out == null) {
                            out = new int[cache.layers()][cache.kvHeads()][];
                        }
                        out[l][h] = withoutSlot(pos, size, victim);
                    }
                }
            }
        }
        return out;
    }
}
