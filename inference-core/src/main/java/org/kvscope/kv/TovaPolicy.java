package org.kvscope.kv;

import java.util.List;
import org.kvscope.trace.AttentionEvidence;
import org.kvscope.trace.WindowScoring;

/**
 * TOVA (Oren et al. 2024, "Transformers are Multi-State RNNs"): the cache is a fixed-size state;
 * whenever it exceeds the budget, the position the current query attends to least is evicted.
 * Attention is averaged over all heads of the layer, so every kv-head of a layer keeps the same
 * positions ({@code granularity=layer}, as published), or over the query heads of each kv-head
 * ({@code granularity=head}). After prefill the last prompt query's attention keeps the budget
 * (the last position always stays); during decoding each step evicts one position per layer or
 * head once it is over budget, never the token just added.
 */
public final class TovaPolicy extends ScoredPolicy {
    public static final String NAME = "tova";
    private final WindowScoring scoring;
    private int[] layerBudgets;

    public TovaPolicy(PolicyParameters params) {
        super(params);
        scoring = new WindowScoring(1, false, false, perLayer(), true);
    }

    public static List<ParameterSpec> specs() {
        return concat(BudgetParameters.specs("uniform"), List.of(
                ParameterSpec.choice("granularity", List.of("layer", "head"), "layer",
                        "average the last query's attention over the layer's heads or per kv-head")));
    }

    @Override public String name() { return NAME; }

    @Override public int evidenceWindow() { return 1; }

    /** Scoring reads the evidence and the parameters only. */
    @Override protected boolean scoresLayersConcurrently() { return true; }

    @Override protected int recentKept(int promptLength) { return Math.min(1, promptLength); }

    private boolean perLayer() { return params.getChoice("granularity").equals("layer"); }

    /** The last row's mean over the layer's (or kv-head's) query heads, taken by the evidence during the prefill. */
    @Override
    public WindowScoring windowScoring() {
        return scoring;
    }

    /**
     * The last query's attention averaged over the heads: as the evidence computed it during the prefill when it
     * did (its window sum of a one-row window is that row, the same floats), otherwise from the last window row.
     */
    @Override
    protected float[] scores(PrefillContext ctx, int layer, int kvHead) {
        AttentionEvidence ev = ctx.evidence();
        if (ev.window() == 1 && ctx.promptLength() == ev.keyCount() && scoring.equals(ev.windowScoring())) {
            float[] ready = ev.windowScores(layer, kvHead);
            if (ready != null) {
                return ready;
            }
        }
        int first = perLayer() ? 0 : kvHead * ctx.groupSize();
        int count = perLayer() ? ctx.heads() : ctx.groupSize();
        float[] out = new float[ctx.promptLength()];
        for (int head = first; head < first + count; head++) {
            float[] row = ev.row(layer, head, ev.window() - 1);
            for (int k = 0; k < out.length; k++) {
                out[k] += row[k] / count;
            }
        }
        return out;
    }

    /** With layer granularity every kv-head has the layer's scores: computed once for all of them. */
    @Override
    protected int[][] selectLayer(PrefillContext ctx, int layer, int sinks, int recent, int budget) {
        if (!perLayer()) {
            return super.selectLayer(ctx, layer, sinks, recent, budget);
        }
        float[] scores = scores(ctx, layer, 0);
        int[][] out = new int[ctx.kvHeads()][];
        for (int h = 0; h < ctx.kvHeads(); h++) {
            out[h] = h == 0 ? select(scores, ctx.promptLength(), sinks, recent, budget) : out[0].clone();
        }
        return out;
    }

    @Override
    public KeptPositions selectAfterPrefill(PrefillContext ctx) {
        int n = Math.max(ctx.promptLength(), BudgetParameters.average(params, ctx.promptLength()));
        layerBudgets = layerBudgets(ctx, Math.min(n, ctx.contextLength()));
        return super.selectAfterPrefill(ctx);
    }

    @Override public boolean needsDecodeAttention() { return layerBudgets != null; }

    @Override
    public int[][][] onDecodeStep(DecodeContext ctx) {
        if (layerBudgets == null) {
            return null;
        }
        KvCache cache = ctx.cache();
        int group = ctx.groupSize();
        int[][][] out = null;
        for (int l = 0; l < cache.layers(); l++) {
            for (int h = 0; h < cache.kvHeads(); h++) {
                int size = cache.size(l, h);
                if (size <= layerBudgets[l]) {
                    continue;
                }
                // layer granularity: the kv-heads hold the same positions, so slot s is one position
                int first = perLayer() ? 0 : h * group;
                int count = perLayer() ? ctx.heads() : group;
                int victim = -1;
                double lowest = Double.POSITIVE_INFINITY;
                for (int s = 0; s < size - 1; s++) {
                    double a = 0;
                    for (int head = first; head < first + count; head++) {
                        float[] w = ctx.lastWeights()[l][head];
                        a += s < w.length ? w[s] : 0;
                    }
                    if (a < lowest) {
                        lowest = a;
                        victim = s;
                    }
                }
                if (out == null) {
                    out = new int[cache.layers()][cache.kvHeads()][];
                }
                out[l][h] = H2oPolicy.withoutSlot(cache.positions(l, h), size, victim);
            }
        }
        return out;
    }
}
