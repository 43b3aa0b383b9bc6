package org.kvscope.kv;

import java.util.List;
import org.kvscope.trace.AttentionEvidence;

/**
 * CAKE (Qin et al. 2025, "Cascading and Adaptive KV cache Eviction with Layer Preferences"):
 * each layer's budget follows how dispersed its attention is. Over the observation window's
 * rows A (window queries × earlier keys, all heads) a layer has a spatial dispersion
 * H = −Σ a·log a and a temporal shift V = Σ over keys of the variance across window queries;
 * its preference is P = H^(1/τ1) · V^(1/τ2), and the L·(B − w) selectable entries are split in
 * proportion to P (each layer at most the prompt minus the window). Within a layer, positions
 * are ranked by mean + γ·variance of their window attention, average-pooled (kernel) and averaged
 * over the query heads of a kv-head; the window is always kept.
 *
 * <p>Cascading: the layers are taken one at a time as the prefill would produce them; after each,
 * the whole budget is re-split among the layers seen so far by their preferences and every such
 * layer is cut to its current share. A layer therefore keeps the smallest share it was ever
 * given, and the cache never holds more than the budget at any stage.
 */
public final class CakePolicy extends ScoredPolicy {
    public static final String NAME = "cake";

    public CakePolicy(PolicyParameters params) {
        super(params);
        SnapKvPolicy.requireWindowAndOddKernel(params);
    }

    public static List<ParameterSpec> specs() {
        List<ParameterSpec> budget = BudgetParameters.specs("uniform");
        return List.of(budget.get(0), budget.get(1),
                ParameterSpec.integer("window", 2, 1024, 8,
                        "observation window: last prompt queries measured (the paper: 32 on long contexts)")
                        .withLabel("observation window"),
                ParameterSpec.integer("kernel", 1, 63, 5, "average-pooling kernel of the eviction scores (odd)")
                        .withLabel("pooling kernel"),
                ParameterSpec.real("tau1", 0.01, 100, 1.6, "temperature of the spatial dispersion (entropy)")
                        .withLabel("τ₁"),
                ParameterSpec.real("tau2", 0.01, 100, 0.6, "temperature of the temporal shift (variance)")
                        .withLabel("τ₂"),
                ParameterSpec.real("gamma", 0, 10_000, 200, "weight of the attention variance in eviction scores")
                        .withLabel("γ"));
    }

    @Override public String name() { return NAME; }

    @Override public int evidenceWindow() { return params.getInt("window"); }

    @Override protected int recentKept(int promptLength) { return Math.min(params.getInt("window"), promptLength); }

    /** Without a prompt's attention the budget is uniform. */
    @Override
    public int[] layerBudgets(int layers, int promptLength) {
        int avg = Math.min(BudgetParameters.average(params, promptLength), promptLength);
        int[] out = new int[layers];
        java.util.Arrays.fill(out, avg);
        return out;
    }

    /**
     * The cascaded split by each layer's preference (window included) when the context has the
     * prompt's attention; uniform without it, or when the prompt fits the budget.
     */
    @Override
    public int[] layerBudgets(PrefillContext ctx) {
        int n = ctx.promptLength();
        if (ctx.evidence() == null || n <= BudgetParameters.average(params, n)) {
            return layerBudgets(ctx.layers(), n);
        }
        int window = recentKept(n);
        double[] preference = new double[ctx.layers()];
        for (int l = 0; l < ctx.layers(); l++) {
            preference[l] = preference(ctx, l);
        }
        int[] keep = cascade(preference, (long) ctx.layers() * (BudgetParameters.average(params, n) - window), n - window);
        for (int l = 0; l < keep.length; l++) {
            keep[l] += window;
        }
        return keep;
    }

    @Override
    public KeptPositions selectAfterPrefill(PrefillContext ctx) {
        int n = ctx.promptLength();
        if (n <= BudgetParameters.average(params, n)) {
            return null;
        }
        int window = recentKept(n);
        int[] keep = layerBudgets(ctx);
        int[][][] out = new int[ctx.layers()][ctx.kvHeads()][];
        for (int l = 0; l < ctx.layers(); l++) {
            for (int h = 0; h < ctx.kvHeads(); h++) {
                out[l][h] = select(scores(ctx, l, h), n, 0, window, keep[l]);
            }
        }
        return new KeptPositions(out);
    }

    /**
     * Selectable entries each layer ends with when layers arrive one by one and the total is
     * re-split by preference among those seen after each: the minimum over stages.
     */
    static int[] cascade(double[] preference, long total, int cap) {
        int layers = preference.length;
        int[] keep = new int[layers];
        java.util.Arrays.fill(keep, Integer.MAX_VALUE);
        for (int m = 0; m < layers; m++) {
            double[] seen = java.util.Arrays.copyOf(preference, m + 1);
            int[] share = split(seen, Math.min(total, (long) (m + 1) * cap), cap);
            for (int l = 0; l <= m; l++) {
                keep[l] = Math.min(keep[l], share[l]);
            }
        }
        return keep;
    }

    private static int[] split(double[] weights, long total, int cap) {
        double sum = 0;
        for (double w : weights) {
            sum += w;
        }
        double[] shape = weights.clone();
        if (!(sum > 0) || !Double.isFinite(sum)) {
            java.util.Arrays.fill(shape, 1);
        }
        BudgetSchedule schedule = new BudgetSchedule() {
            @Override public String name() { return "cake"; }
            @Override public double[] shape(int layers) { return shape; }
        };
        return schedule.allocate(weights.length, total, cap);
    }

    /** P = H^(1/τ1) · V^(1/τ2) over the window rows and the keys before the window. */
    double preference(PrefillContext ctx, int layer) {
        AttentionEvidence ev = ctx.evidence();
        int n = ctx.promptLength();
        int w = recentKept(n);
        int upto = n - w;
        double entropy = 0, variance = 0;
        for (int head = 0; head < ctx.heads(); head++) {
            for (int k = 0; k < upto; k++) {
                double sum = 0, sq = 0;
                for (int r = ev.window() - w; r < ev.window(); r++) {
                    double a = ev.row(layer, head, r)[k];
                    entropy -= a * Math.log(a + 1e-10);
                    sum += a;
                    sq += a * a;
                }
                variance += w > 1 ? Math.max(0, (sq - sum * sum / w) / (w - 1)) : 0;
            }
        }
        return Math.pow(entropy, 1 / params.getDouble("tau1")) * Math.pow(variance, 1 / params.getDouble("tau2"));
    }

    /** Mean + γ·variance of the window's attention per earlier key, pooled, averaged over the group. */
    @Override
    protected float[] scores(PrefillContext ctx, int layer, int kvHead) {
        AttentionEvidence ev = ctx.evidence();
        int n = ctx.promptLength();
        int w = recentKept(n);
        int upto = n - w;
        double gamma = params.getDouble("gamma");
        float[] out = new float[n];
        float[] raw = new float[upto];
        int group = ctx.groupSize();
        for (int g = 0; g < group; g++) {
            int head = kvHead * group + g;
            for (int k = 0; k < upto; k++) {
                double sum = 0, sq = 0;
                for (int r = ev.window() - w; r < ev.window(); r++) {
                    double a = ev.row(layer, head, r)[k];
                    sum += a;
                    sq += a * a;
                }
                double mean = sum / w;
                double var = w > 1 ? Math.max(0, (sq - sum * sum / w) / (w - 1)) : 0;
                raw[k] = (float) (mean + gamma * var);
            }
            float[] pooled = SnapKvPolicy.pool(raw, params.getInt("kernel"), false);
            for (int k = 0; k < upto; k++) {
                out[k] += pooled[k] / group;
            }
        }
        return out;
    }
}
