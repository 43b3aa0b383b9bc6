package org.kvscope.metrics;

import java.util.Arrays;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.PositionScorer;

/**
 * Where two policies agree on what matters: per layer and kv-head, the Spearman rank correlation
 * of their importance scores ({@link PositionScorer#positionScores}) and the overlap of their top-k
 * positions, over the prompt positions both actually choose among (neither policy's always-kept
 * sinks nor its always-kept recent window). Ranks of tied scores are averaged; top-k ties go to
 * the earlier position, as in the policies' own selection.
 *
 * @param positions   prompt positions compared, {@code [first, first + positions)}
 * @param topK        k of the overlap (at most {@code positions})
 * @param spearman    [layer][kvHead] rank correlation in [-1, 1] (NaN when a side's scores are all equal)
 * @param topKOverlap [layer][kvHead] |top-k(A) ∩ top-k(B)| / k in [0, 1]
 */
public record ScoreAgreement(String policyA, String policyB, int first, int positions, int topK,
                             double[][] spearman, double[][] topKOverlap) {

    /** Mean over the kv-heads of a layer (NaN heads skipped). */
    public double spearman(int layer) {
        return mean(spearman[layer]);
    }

    public double topKOverlap(int layer) {
        return mean(topKOverlap[layer]);
    }

    public double meanSpearman() {
        return mean(Arrays.stream(spearman).mapToDouble(ScoreAgreement::mean).toArray());
    }

    public double meanTopKOverlap() {
        return mean(Arrays.stream(topKOverlap).mapToDouble(ScoreAgreement::mean).toArray());
    }

    public int layers() { return spearman.length; }

    /**
     * Scores both policies on the same prefill context (captured evidence or a live cache).
     *
     * @param k top-k size (e.g. the budget); lowered to the positions compared
     * @throws IllegalArgumentException when nothing is left to compare
     */
    public static ScoreAgreement of(CompressionPolicy.PrefillContext ctx, PositionScorer a, PositionScorer b, int k) {
        int first = Math.max(a.alwaysKeptSinks(), b.alwaysKeptSinks());
        int end = first + comparedPositions(a, b, ctx.promptLength());
        int kk = Math.max(1, Math.min(k, end - first));
        double[][] rho = new double[ctx.layers()][ctx.kvHeads()];
        double[][] overlap = new double[ctx.layers()][ctx.kvHeads()];
        for (int l = 0; l < ctx.layers(); l++) {
            for (int h = 0; h < ctx.kvHeads(); h++) {
                float[] x = Arrays.copyOfRange(a.positionScores(ctx, l, h), first, end);
                float[] y = Arrays.copyOfRange(b.positionScores(ctx, l, h), first, end);
                rho[l][h] = spearman(x, y);
                overlap[l][h] = topKOverlap(x, y, kk);
            }
        }
        return new ScoreAgreement(a.name(), b.name(), first, end - first, kk, rho, overlap);
    }

    /**
     * How many positions of a prompt of {@code n} tokens {@link #of} compares for {@code a} and
     * {@code b}: neither one's always-kept sinks nor its recent window. Known before any forward pass.
     *
     * @throws IllegalArgumentException when fewer than 2 are left
     */
    public static int comparedPositions(PositionScorer a, PositionScorer b, int n) {
        int first = Math.max(a.alwaysKeptSinks(), b.alwaysKeptSinks());
        int end = n - Math.max(a.alwaysKeptRecent(n), b.alwaysKeptRecent(n));
        if (end - first < 2) {
            throw new IllegalArgumentException("a prompt of " + n + " tokens leaves " + Math.max(0, end - first)
                    + " positions outside " + a.name() + "'s and " + b.name()
                    + "'s always-kept sinks and windows; score agreement needs at least 2");
        }
        return end - first;
    }

    /** Spearman's rank correlation: Pearson's correlation of the (tie-averaged) ranks. */
    public static double spearman(float[] x, float[] y) {
        double[] rx = ranks(x), ry = ranks(y);
        double mx = mean(rx), my = mean(ry);
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < rx.length; i++) {
            double dx = rx[i] - mx, dy = ry[i] - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        return sxx == 0 || syy == 0 ? Double.NaN : sxy / Math.sqrt(sxx * syy);
    }

    /** Shared share of the two top-k sets (highest scores, ties to the earlier index). */
    public static double topKOverlap(float[] x, float[] y, int k) {
        boolean[] inX = new boolean[x.length];
        for (int i : top(x, k)) {
            inX[i] = true;
        }
        int shared = 0;
        for (int i : top(y, k)) {
            shared += inX[i] ? 1 : 0;
        }
        return (double) shared / k;
    }

    private static int[] top(float[] v, int k) {
        Integer[] idx = new Integer[v.length];
        Arrays.setAll(idx, i -> i);
        Arrays.sort(idx, (p, q) -> v[p] != v[q] ? Float.compare(v[q], v[p]) : Integer.compare(p, q));
        int[] out = new int[Math.min(k, v.length)];
        for (int i = 0; i < out.length; i++) {
            out[i] = idx[i];
        }
        return out;
    }

    /** 1-based ranks, ascending; tied values share the mean of their ranks. */
    static double[] ranks(float[] v) {
        Integer[] idx = new Integer[v.length];
        Arrays.setAll(idx, i -> i);
        Arrays.sort(idx, (p, q) -> Float.compare(v[p], v[q]));
        double[] r = new double[v.length];
        for (int i = 0; i < idx.length; ) {
            int j = i;
            while (j + 1 < idx.length && Float.compare(v[idx[j + 1]], v[idx[i]]) == 0) {
                j++;
            }
            double rank = (i + j) / 2.0 + 1;
            for (int t = i; t <= j; t++) {
                r[idx[t]] = rank;
            }
            i = j + 1;
        }
        return r;
    }

    private static double mean(double[] v) {
        double s = 0;
        int n = 0;
        for (double d : v) {
            if (!Double.isNaN(d)) {
                s += d;
                n++;
            }
        }
        return n == 0 ? Double.NaN : s / n;
    }
}
