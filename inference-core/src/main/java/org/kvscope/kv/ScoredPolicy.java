package org.kvscope.kv;

import java.util.Arrays;
import org.kvscope.tensor.Parallel;

/**
 * A policy that keeps, per layer and kv-head, a few always-kept positions plus the best-scoring
 * others up to the layer's budget (kvpress's "score + budget" shape). Subclasses say how
 * positions are scored and which are always kept; the budget and its split across layers come
 * from {@link BudgetParameters}: with average budget B and r always-kept positions, the schedule
 * splits L·(B − r) selectable entries across layers and each layer also keeps its r.
 *
 * <p>Ties in score go to the earlier position. Prompts no longer than the budget are not
 * compressed.
 */
public abstract class ScoredPolicy extends CompressionPolicy implements PositionScorer {

    protected ScoredPolicy(PolicyParameters params) {
        super(params);
    }

    /** Positions always kept at the end of the prompt (observation or recent window). */
    protected abstract int recentKept(int promptLength);

    /** Positions always kept at the start of the prompt (attention sinks). */
    protected int sinkKept() { return 0; }

    /** Scores of positions 0..promptLength-1 for one (layer, kv-head); higher is kept first. */
    protected abstract float[] scores(PrefillContext ctx, int layer, int kvHead);

    /** {@inheritDoc} What {@link #selectAfterPrefill} ranks by. */
    @Override
    public final float[] positionScores(PrefillContext ctx, int layer, int kvHead) {
        return scores(ctx, layer, kvHead);
    }

    @Override
    public final int alwaysKeptSinks() { return sinkKept(); }

    @Override
    public final int alwaysKeptRecent(int promptLength) { return recentKept(promptLength); }

    @Override
    public void validateFor(int contextLength) {
        BudgetParameters.validate(params, contextLength);
    }

    /**
     * Per-layer budgets (entries per kv-head, always-kept included) for a prompt, before its
     * attention is known (the "auto" schedule is uniform here).
     */
    public int[] layerBudgets(int layers, int promptLength) {
        return layerBudgets(layers, promptLength, BudgetParameters.schedule(params));
    }

    /** The schedule's split of the budget; "auto" measured from the context's evidence when it has some. */
    @Override
    public int[] layerBudgets(PrefillContext ctx) {
        return layerBudgets(ctx, ctx.promptLength());
    }

    /**
     * Per-layer budgets for a prompt whose attention is at hand: the "auto" schedule is measured
     * from the context's evidence ({@link AutoSchedule}).
     */
    protected int[] layerBudgets(PrefillContext ctx, int promptLength) {
        boolean auto = "auto".equals(params.asMap().get(BudgetParameters.SCHEDULE)) && ctx.evidence() != null;
        return layerBudgets(ctx.layers(), promptLength,
                auto ? AutoSchedule.of(ctx.evidence()) : BudgetParameters.schedule(params));
    }

    private int[] layerBudgets(int layers, int promptLength, BudgetSchedule schedule) {
        int avg = Math.min(BudgetParameters.average(params, promptLength), promptLength);
        int fixed = Math.min(avg, recentKept(promptLength) + sinkKept());
        int selectableCap = promptLength - fixed;
        int[] selectable = schedule.allocate(layers, (long) layers * (avg - fixed), selectableCap);
        for (int l = 0; l < layers; l++) {
            selectable[l] += fixed;
        }
        return selectable;
    }

    @Override
    public KeptPositions selectAfterPrefill(PrefillContext ctx) {
        int n = ctx.promptLength();
        if (n <= BudgetParameters.average(params, n)) {
            return null;
        }
        int[] budgets = layerBudgets(ctx, n);
        int recent = Math.min(recentKept(n), n);
        int sinks = Math.min(sinkKept(), n - recent);
        Layers layers = new Layers(ctx, sinks, recent, budgets);
        if (scoresLayersConcurrently()) {
            // with the default selectLayer, one share of layers per thread: one top-k call each
            int threads = Math.max(1, Math.min(Parallel.threads(), ctx.layers()));
            Parallel.forRange(ctx.layers(), batched ? (ctx.layers() + threads - 1) / threads : 1, layers);
        } else {
            layers.run(0, ctx.layers());
        }
        return new KeptPositions(layers.out);
    }

    /**
     * The layers' selections, for {@link Parallel#forRange}: a named class rather than a lambda,
     * whose first call spins up a class at run time (milliseconds at the first selection of a run).
     */
    private final class Layers implements Parallel.IntRangeBody {
        private final PrefillContext ctx;
        private final int sinks, recent;
        private final int[] budgets;
        final int[][][] out;

        Layers(PrefillContext ctx, int sinks, int recent, int[] budgets) {
            this.ctx = ctx;
            this.sinks = sinks;
            this.recent = recent;
            this.budgets = budgets;
            out = new int[ctx.layers()][][];
        }

        @Override
        public void run(int from, int to) {
            if (!batched) {
                for (int l = from; l < to; l++) {
                    out[l] = selectLayer(ctx, l, sinks, recent, budgets[l]);
                }
                return;
            }
            int kv = ctx.kvHeads(), n = ctx.promptLength();
            float[][] rows = new float[(to - from) * kv][];
            int[] picks = new int[rows.length];
            for (int l = from; l < to; l++) {
                for (int h = 0; h < kv; h++) {
                    rows[(l - from) * kv + h] = rankedScores(ctx, l, h);
                    picks[(l - from) * kv + h] = pick(n, sinks, recent, budgets[l]);
                }
            }
            int[][] best = TopK.best(rows, sinks, n - recent, picks);
            for (int l = from; l < to; l++) {
                int[][] layer = new int[kv][];
                for (int h = 0; h < kv; h++) {
                    layer[h] = kept(best[(l - from) * kv + h], n, sinks, recent);
                }
                out[l] = layer;
            }
        }
    }

    /**
     * What the batched selection ranks for one (layer, kv-head): {@link #scores}, or an array it only reads whose
     * first {@code promptLength} entries are those scores (a live array the policy keeps, spared a copy; longer
     * is fine, the top-k stops at the prompt's end).
     */
    float[] rankedScores(PrefillContext ctx, int layer, int kvHead) {
        return scores(ctx, layer, kvHead);
    }

    /**
     * True when the class keeps the default {@link #selectLayer} (each kv-head's own top-k of its scores): the
     * selection then runs a thread's share of layers through one top-k call ({@link TopK#best(float[][], int, int,
     * int[])}), the same kept sets as one call per layer with less of a fresh JVM's first selection interpreted.
     */
    private final boolean batched = keepsDefaultSelectLayer(getClass());

    private static boolean keepsDefaultSelectLayer(Class<?> c) {
        for (; c != ScoredPolicy.class; c = c.getSuperclass()) {
            try {
                c.getDeclaredMethod("selectLayer", PrefillContext.class, int.class, int.class, int.class, int.class);
                return false;
            } catch (NoSuchMethodException e) {
                // not declared here: look further up
            } catch (LinkageError | SecurityException e) {
                return false; // a plugin class whose methods cannot all be read: its own selectLayer, if any, per layer
            }
        }
        return true;
    }

    /**
     * True when {@link #scores} and {@link #selectLayer} may run for different layers at once (they
     * only read the context and the parameters): the selection then spreads the layers over the
     * cores. False by default, so a plugin's scoring is never called concurrently unless it says so.
     */
    protected boolean scoresLayersConcurrently() { return false; }

    /** One layer's kept positions per kv-head: by default each head's own top-k ({@link #select}). */
    protected int[][] selectLayer(PrefillContext ctx, int layer, int sinks, int recent, int budget) {
        float[][] scores = new float[ctx.kvHeads()][];
        for (int h = 0; h < ctx.kvHeads(); h++) {
            scores[h] = scores(ctx, layer, h);
        }
        return select(scores, ctx.promptLength(), sinks, recent, budget);
    }

    /** Sinks + recent window + top-(budget − both) of the rest by score (ties: earlier), increasing. */
    static int[] select(float[] scores, int n, int sinks, int recent, int budget) {
        return select(new float[][] {scores}, n, sinks, recent, budget)[0];
    }

    /** {@link #select(float[], int, int, int, int)} of each of a layer's kv-heads, the top-k in one call ({@link TopK#best(float[][], int, int, int)}). */
    static int[][] select(float[][] scores, int n, int sinks, int recent, int budget) {
        int[][] best = TopK.best(scores, sinks, n - recent, pick(n, sinks, recent, budget));
        int[][] out = new int[scores.length][];
        for (int h = 0; h < scores.length; h++) {
            out[h] = kept(best[h], n, sinks, recent);
        }
        return out;
    }

    /** How many positions a budget selects beside the sinks and the recent window. */
    private static int pick(int n, int sinks, int recent, int budget) {
        return Math.max(0, Math.min(budget, n) - sinks - recent);
    }

    /** The sinks, the selected positions (increasing) and the recent window, in order ({@code best} itself when neither). */
    private static int[] kept(int[] best, int n, int sinks, int recent) {
        if (sinks == 0 && recent == 0) {
            return best;
        }
        int[] kept = new int[Math.min(n, sinks + recent + best.length)];
        int k = 0;
        for (int i = 0; i < sinks; i++) {
            kept[k++] = i;
        }
        System.arraycopy(best, 0, kept, k, best.length);
        k += best.length;
        for (int i = n - recent; i < n; i++) {
            kept[k++] = i;
        }
        return kept;
    }
}
