package org.kvscope.kv;

import java.util.Arrays;
import java.util.List;

/**
 * Ada-KV (Feng et al. 2024): head-wise adaptive budgets. SnapKV's scores (PyramidKV's, with the
 * pyramid schedule) decide per layer, but instead of a top-k per kv-head, one top-k runs over the
 * scores of all the layer's kv-heads together: the layer keeps kv-heads × (budget − window)
 * selected entries, and a head whose attention is spread out gets more of them than a focused
 * one. A safeguard first gives every head its own top ⌊α·budget⌋ entries (window included), so
 * no head is starved. Each head keeps its observation window as in SnapKV.
 */
public final class AdaKvPolicy extends SnapKvPolicy {
    public static final String SNAPKV_NAME = "ada-snapkv";
    public static final String PYRAMIDKV_NAME = "ada-pyramidkv";
    private final String name;

    public AdaKvPolicy(String name, PolicyParameters params) {
        super(params);
        this.name = name;
    }

    /** SnapKV's (or, with "pyramid", PyramidKV's) parameters plus the safeguard α. */
    public static List<ParameterSpec> specs(String defaultSchedule) {
        return concat(SnapKvPolicy.specs(defaultSchedule), List.of(
                ParameterSpec.real("safeguard", 0, 1, 0.2, "α: share of the budget each head keeps by its own scores")));
    }

    @Override public String name() { return name; }

    @Override
    protected int[][] selectLayer(PrefillContext ctx, int layer, int sinks, int recent, int budget) {
        float[][] scores = new float[ctx.kvHeads()][];
        for (int h = 0; h < ctx.kvHeads(); h++) {
            scores[h] = scores(ctx, layer, h);
        }
        return selectLayer(scores, ctx.promptLength(), recent, budget, params.getDouble("safeguard"));
    }

    /**
     * One layer's kept positions per kv-head: the window of each head, each head's own top
     * ⌊α·budget⌋ − window, then the best of all heads' remaining candidates up to
     * kv-heads × (budget − window) selected entries in all.
     */
    static int[][] selectLayer(float[][] scores, int n, int window, int budget, double alpha) {
        int heads = scores.length;
        int selectable = Math.max(0, Math.min(budget, n) - window);
        int safe = Math.max(0, Math.min(selectable, (int) Math.floor(alpha * budget) - window));
        long[] pool = new long[heads * Math.max(0, n - window)]; // TopK keys of (head * n + position)
        int pooled = 0;
        boolean[][] chosen = new boolean[heads][n];
        int taken = 0;
        int[][] owns = ScoredPolicy.select(scores, n, 0, window, safe + window);
        for (int h = 0; h < heads; h++) {
            for (int p : owns[h]) {
                if (p < n - window) {
                    chosen[h][p] = true;
                    taken++;
                }
            }
            for (int p = 0; p < n - window; p++) {
                if (!chosen[h][p]) {
                    pool[pooled++] = TopK.key(scores[h][p], h * n + p);
                }
            }
        }
        int more = Math.max(0, Math.min(pooled, heads * selectable - taken));
        TopK.partition(pool, pooled, more);
        for (int i = 0; i < more; i++) {
            int flat = TopK.index(pool[i]);
            chosen[flat / n][flat % n] = true;
        }
        int[][] out = new int[heads][];
        for (int h = 0; h < heads; h++) {
            int[] kept = new int[n];
            int k = 0;
            for (int p = 0; p < n; p++) {
                if (p >= n - window || chosen[h][p]) {
                    kept[k++] = p;
                }
            }
            out[h] = Arrays.copyOf(kept, k);
        }
        return out;
    }
}
