package org.kvscope.kv;

import java.util.Arrays;
import java.util.List;
import org.kvscope.trace.AttentionEvidence;

/**
 * DuoAttention-style head split (Xiao et al. 2024): retrieval heads keep the full cache,
 * streaming heads keep only the attention sinks and a recent window, after prefill and while
 * decoding. Instead of DuoAttention's trained gates, heads are ranked by a measured retrieval
 * score ({@link AttentionEvidence#retrievalScores}: the attention mass a needle suite's answers
 * put on the needle, per layer and kv-head); the top {@code retrieval-ratio} of all layers ×
 * kv-heads together are retrieval heads (ties: earlier layer, then kv-head), as DuoAttention
 * thresholds its gates over the whole model.
 */
public final class DuoAttentionPolicy extends CompressionPolicy {
    public static final String NAME = "duo-attention";
    private boolean[][] retrieval; // [layer][kvHead], set after prefill

    public DuoAttentionPolicy(PolicyParameters params) {
        super(params);
        if (params.getInt("sinks") + params.getInt("recent") < 1) {
            throw new IllegalArgumentException("parameters 'sinks' + 'recent' must keep at least 1 position, were "
                    + params.getInt("sinks") + " + " + params.getInt("recent"));
        }
    }

    public static List<ParameterSpec> specs() {
        return List.of(
                ParameterSpec.real("retrieval-ratio", 0, 1, 0.5, "share of layers × kv-heads that keep the full cache")
                        .withLabel("retrieval heads (share)"),
                ParameterSpec.integer("sinks", 0, 1 << 16, 4, "streaming heads: first positions kept (attention sinks)"),
                ParameterSpec.integer("recent", 0, 1 << 16, 60, "streaming heads: most recent positions kept")
                        .withLabel("recent window").withLogScale());
    }

    @Override public String name() { return NAME; }

    @Override public boolean needsRetrievalScores() { return true; }

    /**
     * Which (layer, kv-head) are retrieval heads for these scores: the {@code ratio} share of all
     * heads with the highest scores.
     */
    public static boolean[][] classify(float[][] scores, double ratio) {
        int layers = scores.length, heads = scores[0].length;
        long[] order = new long[layers * heads];
        for (int i = 0; i < order.length; i++) {
            int bits = Float.floatToIntBits(Math.max(0f, scores[i / heads][i % heads]) + 0f);
            order[i] = ((long) (Integer.MAX_VALUE - bits) << 32) | i;
        }
        Arrays.sort(order);
        boolean[][] out = new boolean[layers][heads];
        int count = (int) Math.round(ratio * order.length);
        for (int j = 0; j < count; j++) {
            int i = (int) order[j];
            out[i / heads][i % heads] = true;
        }
        return out;
    }

    /** Retrieval (true) or streaming, per layer and kv-head, as of the last prefill (null before). */
    public boolean[][] classification() { return retrieval; }

    /**
     * Mean entries per kv-head per layer: retrieval heads hold the prompt, streaming heads sinks +
     * recent; before the scores are known, every layer at the {@code retrieval-ratio} share.
     */
    @Override
    public int[] layerBudgets(PrefillContext ctx) {
        int n = ctx.promptLength(), streaming = Math.min(n, params.getInt("sinks") + params.getInt("recent"));
        int[] out = new int[ctx.layers()];
        boolean scored = ctx.evidence() != null && ctx.evidence().hasRetrievalScores()
                && ctx.evidence().retrievalScores().length == ctx.layers();
        boolean[][] r = scored ? classify(ctx.evidence().retrievalScores(), params.getDouble("retrieval-ratio")) : null;
        for (int l = 0; l < out.length; l++) {
            double share = r == null ? params.getDouble("retrieval-ratio") : count(r[l]) / (double) r[l].length;
            out[l] = (int) Math.round(share * n + (1 - share) * streaming);
        }
        return out;
    }

    private static int count(boolean[] flags) {
        int c = 0;
        for (boolean f : flags) {
            c += f ? 1 : 0;
        }
        return c;
    }

    @Override
    public KeptPositions selectAfterPrefill(PrefillContext ctx) {
        if (ctx.evidence() == null || !ctx.evidence().hasRetrievalScores()) {
            throw new IllegalStateException("duo-attention needs the model's per-head retrieval scores, but this run has"
                    + " none (re-run the prompt with duo-attention)");
        }
        retrieval = classify(ctx.evidence().retrievalScores(), params.getDouble("retrieval-ratio"));
        int n = ctx.promptLength();
        int[] all = new int[n];
        Arrays.setAll(all, i -> i);
        int[] streaming = streamingKept(all, n);
        int[][][] out = new int[ctx.layers()][ctx.kvHeads()][];
        for (int l = 0; l < ctx.layers(); l++) {
            for (int h = 0; h < ctx.kvHeads(); h++) {
                out[l][h] = (retrieval[l][h] ? all : streaming).clone();
            }
        }
        return new KeptPositions(out);
    }

    @Override
    public int[][][] onDecodeStep(DecodeContext ctx) {
        if (retrieval == null) {
            return null;
        }
        KvCache cache = ctx.cache();
        int[][][] out = null;
        for (int l = 0; l < cache.layers(); l++) {
            for (int h = 0; h < cache.kvHeads(); h++) {
                int size = cache.size(l, h);
                if (!retrieval[l][h] && size > params.getInt("sinks") + params.getInt("recent")) {
                    if (out == null) {
                        out = new int[cache.layers()][cache.kvHeads()][];
                    }
                    out[l][h] = streamingKept(Arrays.copyOf(cache.positions(l, h), size), size);
                }
            }
        }
        return out;
    }

    /** The first {@code sinks} and last {@code recent} of {@code held} (its first {@code size}). */
    private int[] streamingKept(int[] held, int size) {
        int sinks = params.getInt("sinks"), recent = params.getInt("recent");
        if (size <= sinks + recent) {
            return Arrays.copyOf(held, size);
        }
        int[] kept = new int[sinks + recent];
        System.arraycopy(held, 0, kept, 0, sinks);
        System.arraycopy(held, size - recent, kept, sinks, recent);
        return kept;
    }
}
