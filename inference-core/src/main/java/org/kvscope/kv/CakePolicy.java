package org.kvscope.kv;

import java.util.List;
import org.kvscope.tensor.Parallel;
import org.kvscope.trace.AttentionEvidence;
import org.kvscope.trace.WindowMoments;
import org.kvscope.trace.WindowScoring;

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

    private final WindowScoring scoring;

    public CakePolicy(PolicyParameters params) {
        super(params);
        SnapKvPolicy.requireWindowAndOddKernel(params);
        scoring = WindowScoring.moments(params.getInt("kernel"), params.getDouble("gamma"));
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

    /** Keeps its selection while decoding. */
    @Override public boolean actsDuringDecode() { return false; }

    @Override public int evidenceWindow() { return params.getInt("window"); }

    /** Each window row's entropy term and the keys' sums, added up while the prefill records the rows. */
    @Override public boolean needsWindowMoments() { return true; }

    @Override protected int recentKept(int promptLength) { return Math.min(params.getInt("window"), promptLength); }

    /**
     * The kv-heads' eviction scores, computed by the evidence from the window moments as each kv-head's last
     * window row is recorded during the prefill ({@link WindowScoring#moments}: the same floats as {@link #scores}).
     */
    @Override public WindowScoring windowScoring() { return scoring; }

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
        Dispersions d = new Dispersions(ctx, false);
        Parallel.forRange(ctx.layers(), 1, d);
        return cascadedBudgets(ctx, d.preference);
    }

    private int[] cascadedBudgets(PrefillContext ctx, double[] preference) {
        int n = ctx.promptLength(), window = recentKept(n);
        int[] keep = cascade(preference, (long) ctx.layers() * (BudgetParameters.average(params, n) - window), n - window);
        for (int l = 0; l < keep.length; l++) {
            keep[l] += window;
        }
        return keep;
    }

    /**
     * One pass over each layer's window rows gives both its preference and its kv-heads' scores
     * (the same figures as {@link #preference} and {@link #scores}); layers run in parallel, then
     * the cascade splits the budget and each kv-head keeps its best.
     */
    @Override
    public KeptPositions selectAfterPrefill(PrefillContext ctx) {
        int n = ctx.promptLength();
        if (n <= BudgetParameters.average(params, n)) {
            return null;
        }
        int window = recentKept(n);
        if (ctx.evidence() == null) {
            throw new IllegalStateException("cake scores by the observation window's attention, but this run has none");
        }
        Dispersions d = new Dispersions(ctx, true);
        Parallel.forRange(ctx.layers(), 1, d);
        Selections s = new Selections(d.scores, n, window, cascadedBudgets(ctx, d.preference));
        Parallel.forRange(ctx.layers(), 1, s);
        return new KeptPositions(s.out);
    }

    /**
     * Each layer's preference and, when asked, its kv-heads' scores, for {@link Parallel#forRange}: a
     * named class rather than a lambda, whose first call spins up a class at run time.
     */
    private final class Dispersions implements Parallel.IntRangeBody {
        private final PrefillContext ctx;
        final double[] preference;
        final float[][][] scores;

        Dispersions(PrefillContext ctx, boolean withScores) {
            this.ctx = ctx;
            preference = new double[ctx.layers()];
            scores = withScores ? new float[ctx.layers()][][] : null;
        }

        @Override
        public void run(int from, int to) {
            for (int l = from; l < to; l++) {
                float[][] layerScores = scores == null ? null : (scores[l] = new float[ctx.kvHeads()][]);
                preference[l] = dispersion(ctx, l, 0, ctx.heads(), layerScores);
            }
        }
    }

    /** Each kv-head's best positions within its layer's budget (one top-k call per layer), for {@link Parallel#forRange}. */
    private static final class Selections implements Parallel.IntRangeBody {
        private final float[][][] scores;
        private final int n, window;
        private final int[] keep;
        final int[][][] out;

        Selections(float[][][] scores, int n, int window, int[] keep) {
            this.scores = scores;
            this.n = n;
            this.window = window;
            this.keep = keep;
            out = new int[scores.length][][];
        }

        @Override
        public void run(int from, int to) {
            for (int l = from; l < to; l++) {
                out[l] = select(scores[l], n, 0, window, keep[l]);
            }
        }
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
        return dispersion(ctx, layer, 0, ctx.heads(), null);
    }

    /** Mean + γ·variance of the window's attention per earlier key, pooled, averaged over the group. */
    @Override
    protected float[] scores(PrefillContext ctx, int layer, int kvHead) {
        float[][] out = new float[ctx.kvHeads()][];
        int group = ctx.groupSize();
        dispersion(ctx, layer, kvHead * group, (kvHead + 1) * group, out);
        return out[kvHead];
    }

    /**
     * Over query heads {@code [firstHead, endHead)} of a layer (whole kv-head groups) and the keys
     * before the window: the preference P = H^(1/τ1) · V^(1/τ2) of those heads, and, when
     * {@code scores} is given, each of their kv-heads' scores (mean + γ·variance per key, pooled,
     * averaged over the group) into {@code scores[kvHead]}. Each row adds its entropy term to H
     * and each key's weight and square to the key's sums ({@link WindowMoments#addRow}: read from
     * the evidence when it added them up during the prefill over these very rows, with the keys'
     * variances, and the kv-heads' scores when it computed them for this policy's {@link #windowScoring}); V sums
     * the keys' variances.
     */
    private double dispersion(PrefillContext ctx, int layer, int firstHead, int endHead, float[][] scores) {
        AttentionEvidence ev = ctx.evidence();
        int n = ctx.promptLength();
        int w = recentKept(n);
        int upto = n - w;
        int group = ctx.groupSize();
        double gamma = params.getDouble("gamma");
        double entropy = 0, variance = 0;
        boolean summed = ev.hasWindowMoments() && ev.window() == w && ev.keyCount() == n;
        boolean scored = summed && scoring.equals(ev.windowScoring());
        double[] sum = summed ? null : new double[upto], sq = summed ? null : new double[upto];
        double[] var = summed ? null : new double[upto];
        float[] raw = null; // made only for a kv-head whose scores the evidence did not compute during the prefill
        for (int head = firstHead; head < endHead; head++) {
            if (summed) {
                for (int r = 0; r < w; r++) {
                    entropy += ev.windowEntropy(layer, head, r);
                }
                sum = ev.windowWeightSums(layer, head);
                var = ev.windowVariances(layer, head);
                variance += ev.windowVarianceTotal(layer, head);
                float[] ready = scored && scores != null ? ev.windowScores(layer, head / group) : null;
                if (ready != null) {
                    scores[head / group] = ready;
                    continue;
                }
            } else {
                java.util.Arrays.fill(sum, 0);
                java.util.Arrays.fill(sq, 0);
                for (int r = ev.window() - w; r < ev.window(); r++) {
                    entropy += WindowMoments.addRow(ev.row(layer, head, r), upto, sum, sq);
                }
                variance += WindowMoments.variances(sum, sq, upto, w, var);
            }
            if (scores == null) {
                continue;
            }
            if (raw == null) {
                raw = new float[upto];
            }
            for (int k = 0; k < upto; k++) {
                raw[k] = (float) (sum[k] / w + gamma * var[k]);
            }
            float[] pooled = SnapKvPolicy.pool(raw, params.getInt("kernel"), false);
            if (scores[head / group] == null) {
                scores[head / group] = new float[n];
            }
            float[] out = scores[head / group];
            for (int k = 0; k < upto; k++) {
                out[k] += pooled[k] / group;
            }
        }
        return Math.pow(entropy, 1 / params.getDouble("tau1")) * Math.pow(variance, 1 / params.getDouble("tau2"));
    }
}
