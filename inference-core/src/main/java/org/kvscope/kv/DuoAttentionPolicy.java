package org.kvscope.kv;

import java.util.Arrays;
import java.util.List;
import org.kvscope.trace.AttentionEvidence;

/**
 * DuoAttention-style head split (Xiao et al. 2024): retrieval heads keep the full cache,
 * streaming heads keep only the attention sinks and a recent window, after prefill and while
 * decoding. Instead of DuoAttention's trained gates, heads are ranked by a measured retrieval
 * score ({@link AttentionEvidence#retrievalScores}: the attention mass a needle suite's answers
 * put on the needle, per layer and kv-head) over all layers × kv-heads together (ties: earlier
 * layer, then kv-head), as DuoAttention thresholds its gates over the whole model.
 *
 * <p>The share of retrieval heads follows from the budget, as the paper and kvpress's
 * {@code DuoAttentionPress} relate sparsity to memory (retrieval share r: r·n + (1 − r)·(sinks +
 * recent) entries per head on average): the most retrieval heads whose full caches fit in
 * layers × kv-heads × budget entries while every other head keeps sinks + recent; the streaming
 * heads then share what is left, so the total is exactly the budget's (a streaming head's window
 * widens by the remainder, the heads with the higher retrieval scores first; a budget below
 * sinks + recent leaves no retrieval heads and narrower windows). A budget of the prompt's length
 * keeps everything.
 */
public final class DuoAttentionPolicy extends CompressionPolicy {
    public static final String NAME = "duo-attention";
    private Split split; // after prefill

    public DuoAttentionPolicy(PolicyParameters params) {
        super(params);
        BudgetParameters.requireBelowBudget(params, "sinks");
        if (params.getInt("sinks") + params.getInt("recent") < 1) {
            throw new IllegalArgumentException("parameters 'sinks' + 'recent' must keep at least 1 position, were "
                    + params.getInt("sinks") + " + " + params.getInt("recent"));
        }
    }

    public static List<ParameterSpec> specs() {
        return concat(BudgetParameters.specs("uniform").subList(0, 2), List.of(
                ParameterSpec.integer("sinks", 0, 1 << 16, 4, "streaming heads: first positions kept (attention sinks)"),
                ParameterSpec.integer("recent", 0, 1 << 16, 28,
                                "streaming heads: most recent positions kept (widened to use the whole budget)")
                        .withLabel("recent window").withLogScale()));
    }

    @Override public String name() { return NAME; }

    @Override public boolean needsRetrievalScores() { return true; }

    @Override
    public void validateFor(int contextLength) {
        BudgetParameters.validate(params, contextLength);
    }

    /**
     * Which (layer, kv-head) are retrieval heads for these scores: the {@code ratio} share of all
     * heads with the highest scores.
     */
    public static boolean[][] classify(float[][] scores, double ratio) {
        return classify(scores, (int) Math.round(ratio * scores.length * scores[0].length));
    }

    /** The {@code count} heads with the highest scores (ties: earlier layer, then kv-head). */
    private static boolean[][] classify(float[][] scores, int count) {
        int heads = scores[0].length;
        boolean[][] out = new boolean[scores.length][heads];
        int[] order = ranking(scores);
        for (int j = 0; j < count; j++) {
            out[order[j] / heads][order[j] % heads] = true;
        }
        return out;
    }

    /** Flat head indices ({@code layer * kvHeads + kvHead}), highest score first, ties to the lower index. */
    private static int[] ranking(float[][] scores) {
        int heads = scores[0].length;
        long[] order = new long[scores.length * heads];
        for (int i = 0; i < order.length; i++) {
            int bits = Float.floatToIntBits(Math.max(0f, scores[i / heads][i % heads]) + 0f);
            order[i] = ((long) (Integer.MAX_VALUE - bits) << 32) | i;
        }
        Arrays.sort(order);
        int[] out = new int[order.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) order[i];
        }
        return out;
    }

    /**
     * The head split of a prompt.
     *
     * @param retrieval [layer][kvHead] retrieval head (keeps everything)
     * @param entries   [layer][kvHead] entries a streaming head keeps (sinks + window; unused for retrieval heads)
     */
    record Split(boolean[][] retrieval, int[][] entries) {
        int sinks(int layer, int kvHead, int sinks) {
            return Math.min(sinks, entries[layer][kvHead] - 1);
        }
    }

    /**
     * The split for a prompt of {@code n} tokens within an average of {@code budget < n} entries per
     * head: R = ⌊L·H·(budget − s) / (n − s)⌋ retrieval heads (s = sinks + recent; none when the
     * budget is below s), the other heads sharing the remaining L·H·budget − R·n entries evenly.
     */
    static Split split(float[][] scores, int n, int budget, int sinks, int recent) {
        int layers = scores.length, heads = scores[0].length, all = layers * heads;
        int streaming = Math.min(n - 1, sinks + recent);
        int count = budget <= streaming ? 0 : (int) ((long) all * (budget - streaming) / (n - streaming));
        long left = (long) all * budget - (long) count * n;
        int streamingHeads = all - count;
        int[] order = ranking(scores);
        boolean[][] retrieval = new boolean[layers][heads];
        int[][] entries = new int[layers][heads];
        for (int j = 0; j < all; j++) {
            int l = order[j] / heads, h = order[j] % heads;
            if (j < count) {
                retrieval[l][h] = true;
            } else {
                int k = j - count;
                entries[l][h] = (int) (left / streamingHeads + (k < left % streamingHeads ? 1 : 0));
            }
        }
        return new Split(retrieval, entries);
    }

    /** Retrieval (true) or streaming, per layer and kv-head, as of the last prefill (null before). */
    public boolean[][] classification() { return split == null ? null : split.retrieval(); }

    /**
     * Mean entries per kv-head per layer: retrieval heads hold the prompt, streaming heads their
     * share of the rest; before the scores are known, the budget in every layer.
     */
    @Override
    public int[] layerBudgets(PrefillContext ctx) {
        int n = ctx.promptLength(), budget = Math.min(BudgetParameters.average(params, n), n);
        boolean scored = ctx.evidence() != null && ctx.evidence().hasRetrievalScores()
                && ctx.evidence().retrievalScores().length == ctx.layers()
                && ctx.evidence().retrievalScores()[0].length == ctx.kvHeads();
        int[] out = new int[ctx.layers()];
        if (!scored || budget >= n) {
            Arrays.fill(out, budget);
            return out;
        }
        Split s = split(ctx.evidence().retrievalScores(), n, budget, params.getInt("sinks"), params.getInt("recent"));
        for (int l = 0; l < out.length; l++) {
            long sum = 0;
            for (int h = 0; h < ctx.kvHeads(); h++) {
                sum += s.retrieval()[l][h] ? n : s.entries()[l][h];
            }
            out[l] = Math.round((float) sum / ctx.kvHeads());
        }
        return out;
    }

    @Override
    public KeptPositions selectAfterPrefill(PrefillContext ctx) {
        if (ctx.evidence() == null || !ctx.evidence().hasRetrievalScores()) {
            throw new IllegalStateException("duo-attention needs the model's per-head retrieval scores, but this run has"
                    + " none (re-run the prompt with duo-attention)");
        }
        int n = ctx.promptLength(), budget = Math.min(BudgetParameters.average(params, n), n);
        if (budget >= n) {
            split = null;
            return null;
        }
        split = split(ctx.evidence().retrievalScores(), n, budget, params.getInt("sinks"), params.getInt("recent"));
        int[] all = new int[n];
        Arrays.setAll(all, i -> i);
        int[][][] out = new int[ctx.layers()][ctx.kvHeads()][];
        for (int l = 0; l < ctx.layers(); l++) {
            for (int h = 0; h < ctx.kvHeads(); h++) {
                out[l][h] = split.retrieval()[l][h] ? all.clone() : streamingKept(all, n, l, h);
            }
        }
        return new KeptPositions(out);
    }

    /**
     * Streaming heads: their sinks and window, as {@link #onDecodeStep} keeps them; retrieval heads (every
     * head when the last prefill kept everything) unbounded. Null when a streaming head keeps no entry.
     */
    @Override
    public DecodeWindows decodeWindows(int layers, int kvHeads) {
        int[][] sinks = new int[layers][kvHeads], entries = new int[layers][kvHeads];
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < kvHeads; h++) {
                boolean streaming = split != null && !split.retrieval()[l][h];
                if (streaming && split.entries()[l][h] < 1) {
                    return null;
                }
                entries[l][h] = streaming ? split.entries()[l][h] : DecodeWindows.UNBOUNDED;
                sinks[l][h] = streaming ? split.sinks(l, h, params.getInt("sinks")) : 0;
            }
        }
        return new DecodeWindows(sinks, entries);
    }

    @Override
    public int[][][] onDecodeStep(DecodeContext ctx) {
        if (split == null) {
            return null;
        }
        KvCache cache = ctx.cache();
        int[][][] out = null;
        for (int l = 0; l < cache.layers(); l++) {
            for (int h = 0; h < cache.kvHeads(); h++) {
                int size = cache.size(l, h);
                if (!split.retrieval()[l][h] && size > split.entries()[l][h]) {
                    if (out == null) {
                        out = new int[cache.layers()][cache.kvHeads()][];
                    }
                    out[l][h] = streamingKept(cache.positions(l, h), size, l, h);
                }
            }
        }
        return out;
    }

    /** A streaming head's first sinks and last window of {@code held} (its first {@code size}). */
    private int[] streamingKept(int[] held, int size, int layer, int kvHead) {
        int keep = split.entries()[layer][kvHead];
        if (size <= keep) {
            return Arrays.copyOf(held, size);
        }
        int sinks = split.sinks(layer, kvHead, params.getInt("sinks"));
        int[] kept = new int[keep];
        System.arraycopy(held, 0, kept, 0, sinks);
        System.arraycopy(held, size - (keep - sinks), kept, sinks, keep - sinks);
        return kept;
    }
}
