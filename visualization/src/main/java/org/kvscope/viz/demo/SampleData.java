package org.kvscope.viz.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.kvscope.viz.data.AttentionMap;
import org.kvscope.viz.data.BudgetCurve;
import org.kvscope.viz.data.BudgetCurveSet;
import org.kvscope.viz.data.BudgetSchedule;
import org.kvscope.viz.data.KeptMask;
import org.kvscope.viz.data.KvMemoryUsage;
import org.kvscope.viz.data.LayerHeadMaps;
import org.kvscope.viz.data.LayerSeries;
import org.kvscope.viz.data.NeedleGrid;
import org.kvscope.viz.data.PerplexityDelta;
import org.kvscope.viz.data.PerplexityDeltas;
import org.kvscope.viz.data.TokenStrip;

/**
 * Deterministic synthetic data with the shapes real attention studies show (sinks, local windows, heavy hitters,
 * pyramidal funnelling), for demos and tests. Nothing here comes from a model.
 */
public final class SampleData {
    private static final String[] WORDS = {"Once", " upon", " a", " time", ",", " there", " was", " a", " little",
        " girl", " named", " Lily", ".", " She", " loved", " to", " play", " with", " her", " dog", " in", " the",
        " park", ".\n"};

    private SampleData() {
    }

    /** A word from a short looping story, for token labels. */
    public static String word(int position) {
        return WORDS[position % WORDS.length];
    }

    /** Token texts for positions 0..n-1. */
    public static List<String> tokens(int n) {
        List<String> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(word(i));
        }
        return list;
    }

    /**
     * Causal self-attention over n tokens with {@code sinks} sink keys, a local window and a few heavy hitters;
     * rows sum to 1. {@code sharpness} (&gt; 0) controls how peaked the rows are (deeper layers: larger).
     */
    public static AttentionMap attention(int n, int sinks, double sharpness, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        boolean[] heavy = new boolean[n];
        for (int i = 0; i < n; i++) {
            heavy[i] = rnd.nextDouble() < 0.03;
        }
        float[] w = new float[n * n];
        double window = Math.max(6, n / 24.0);
        for (int q = 0; q < n; q++) {
            double sum = 0;
            for (int k = 0; k <= q; k++) {
                double score = 0.3 * rnd.nextDouble() - (q - k) / window;
                if (k < sinks) {
                    score = 2.5;
                } else if (heavy[k]) {
                    score = Math.max(score, 1.2);
                }
                double e = Math.exp(sharpness * score);
                w[q * n + k] = (float) e;
                sum += e;
            }
            for (int k = 0; k <= q; k++) {
                w[q * n + k] /= (float) sum;
            }
            for (int k = q + 1; k < n; k++) {
                w[q * n + k] = Float.NaN;
            }
        }
        return AttentionMap.selfAttention(w, tokens(n));
    }

    /** SnapKV-like mask: sinks, the last {@code window} keys and the strongest column sums up to {@code budget}. */
    public static KeptMask topKeys(AttentionMap map, int sinks, int window, int budget) {
        int n = map.keyCount();
        double[] colSum = new double[n];
        for (int q = 0; q < map.queryCount(); q++) {
            for (int k = 0; k < n; k++) {
                float v = map.weight(q, k);
                if (v == v && !map.isCausallyMasked(q, k)) {
                    colSum[k] += v;
                }
            }
        }
        boolean[] kept = new boolean[n];
        int count = 0;
        for (int k = 0; k < Math.min(sinks, n); k++) {
            count += kept[k] ? 0 : 1;
            kept[k] = true;
        }
        for (int k = Math.max(0, n - window); k < n; k++) {
            count += kept[k] ? 0 : 1;
            kept[k] = true;
        }
        while (count < Math.min(budget, n)) {
            int best = -1;
            for (int k = 0; k < n; k++) {
                if (!kept[k] && (best < 0 || colSum[k] > colSum[best])) {
                    best = k;
                }
            }
            kept[best] = true;
            count++;
        }
        return new KeptMask(kept);
    }

    /** Maps for every head of a small model; later layers are sharper. */
    public static LayerHeadMaps layerHeadMaps(int layers, int heads, int n) {
        List<AttentionMap> maps = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < heads; h++) {
                maps.add(attention(n, 1 + h % 3, 1.0 + 1.5 * l, 31L * l + h));
            }
        }
        return new LayerHeadMaps(layers, heads, maps);
    }

    /** A curve over layers that funnels from {@code start} to {@code end} with a little per-run wiggle. */
    public static LayerSeries funnel(String name, int layers, double start, double end, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] v = new double[layers];
        for (int l = 0; l < layers; l++) {
            double t = layers == 1 ? 0 : l / (double) (layers - 1);
            v[l] = start + (end - start) * Math.sqrt(t) + (rnd.nextDouble() - 0.5) * 0.05 * Math.abs(start - end);
        }
        return new LayerSeries(name, v);
    }

    /** Recall-versus-budget curves for a few policies. */
    public static BudgetCurveSet recallCurves() {
        double[] budgets = {64, 128, 256, 512, 1024, 2048};
        String[] policies = {"StreamingLLM", "H2O", "SnapKV", "PyramidKV"};
        double[] strength = {0.55, 0.75, 0.9, 0.95};
        List<BudgetCurve> curves = new ArrayList<>();
        for (int p = 0; p < policies.length; p++) {
            double[] v = new double[budgets.length];
            for (int i = 0; i < budgets.length; i++) {
                v[i] = 1 - (1 - strength[p]) * Math.pow(0.62, i) - 0.05 * Math.pow(0.5, i);
            }
            curves.add(new BudgetCurve(policies[p], budgets, v));
        }
        return new BudgetCurveSet("attention recall", curves);
    }

    /** Pyramid-shaped budgets: {@code beta} controls the ratio of the first to the last layer. */
    public static BudgetSchedule pyramid(int layers, int average, double beta) {
        int[] b = new int[layers];
        double top = 2.0 * average * beta / (1 + beta);
        double bottom = 2.0 * average - top;
        for (int l = 0; l < layers; l++) {
            double t = layers == 1 ? 0 : l / (double) (layers - 1);
            b[l] = (int) Math.round(top + (bottom - top) * t);
        }
        return new BudgetSchedule(b, String.format(java.util.Locale.ROOT, "PyramidKV β=%.1f, mean %d", beta,
                average));
    }

    /** KV bytes per layer for a schedule over a context of {@code context} tokens. */
    public static KvMemoryUsage memory(BudgetSchedule schedule, int context, int bytesPerToken) {
        long[] kept = new long[schedule.layerCount()];
        long[] full = new long[schedule.layerCount()];
        for (int l = 0; l < kept.length; l++) {
            kept[l] = (long) Math.min(context, schedule.budgets()[l]) * bytesPerToken;
            full[l] = (long) context * bytesPerToken;
        }
        return new KvMemoryUsage(kept, full);
    }

    /** A needle grid where long contexts and mid depths fail more often. */
    public static NeedleGrid needles() {
        int[] lengths = {256, 512, 1024, 2048, 4096};
        double[] depths = {0, 0.25, 0.5, 0.75, 1.0};
        double[][] values = new double[depths.length][lengths.length];
        boolean[][] success = new boolean[depths.length][lengths.length];
        for (int d = 0; d < depths.length; d++) {
            for (int l = 0; l < lengths.length; l++) {
                double difficulty = l * 0.45 + (1 - Math.abs(depths[d] - 0.5) * 2) * 0.8;
                values[d][l] = -0.05 - difficulty * difficulty * 0.6;
                success[d][l] = values[d][l] > -1.5;
            }
        }
        return new NeedleGrid(lengths, depths, values, success, "Needle retrieval, SnapKV budget 256");
    }

    /** A scored token strip of n tokens. */
    public static TokenStrip tokenStrip(int n) {
        SplittableRandom rnd = new SplittableRandom(7);
        int[] ids = new int[n];
        double[] nll = new double[n];
        for (int i = 0; i < n; i++) {
            ids[i] = 3 + (word(i).hashCode() & 0x1ff);
            nll[i] = i == 0 ? Double.NaN : rnd.nextDouble() * rnd.nextDouble() * 9;
        }
        return new TokenStrip(tokens(n), ids, nll);
    }

    /** Perplexity deltas of a few policies at a few budgets. */
    public static PerplexityDeltas perplexityDeltas() {
        String[] policies = {"StreamingLLM", "H2O", "SnapKV", "PyramidKV"};
        int[] budgets = {128, 256, 512};
        double full = 6.21;
        List<PerplexityDelta> list = new ArrayList<>();
        for (int p = 0; p < policies.length; p++) {
            for (int b = 0; b < budgets.length; b++) {
                double delta = (2.4 - 0.5 * p) / (1 + b * 1.3) - (p == 3 && b == 2 ? 0.05 : 0);
                list.add(new PerplexityDelta(policies[p], budgets[b], full, full + delta));
            }
        }
        return new PerplexityDeltas(list);
    }
}
