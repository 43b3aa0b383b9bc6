package org.kvscope.app.ui.vm;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.KeptPositions;
import org.kvscope.metrics.AttentionRecall;
import org.kvscope.metrics.KvMemory;
import org.kvscope.metrics.PolicyAnalysis;
import org.kvscope.trace.AttentionCapture;
import org.kvscope.trace.AttentionEvidence;
import org.kvscope.trace.DecodeAttention;

/**
 * {@link PolicyAnalysis#analyze} with the parts that do not depend on the policy computed once per
 * capture, so that moving a slider costs only the policy's selection and the recall sums: each
 * window row's keys are ranked once (value descending, ties to the earlier position — the order
 * {@link org.kvscope.metrics.PvcOverlap#topK} uses) and the PvC overlap is cached per top-k size.
 * Results equal {@link PolicyAnalysis#analyze}'s; the tests check that.
 */
public final class InstantAnalysis {
    private final AttentionCapture capture;
    private final int headDim;
    private final Map<Integer, double[]> overlapByK = new ConcurrentHashMap<>();
    private volatile int[][][] ranked;

    public InstantAnalysis(AttentionCapture capture, int headDim) {
        this.capture = capture;
        this.headDim = headDim;
    }

    /** Same contract as {@link PolicyAnalysis#analyze}. */
    public PolicyAnalysis analyze(CompressionPolicy policy, int contextLength, int overlapK) {
        AttentionEvidence ev = capture.evidence();
        if (policy.evidenceWindow() > ev.window()) {
            throw new IllegalArgumentException("parameter 'window' must be at most " + ev.window()
                    + " (the captured observation window), was " + policy.evidenceWindow());
        }
        int n = capture.promptLength();
        var ctx = new CompressionPolicy.PrefillContext(ev.layers(), ev.heads(), ev.kvHeads(), n, contextLength, ev);
        KeptPositions kept = policy.selectAfterPrefill(ctx);
        if (kept == null) {
            kept = KeptPositions.all(ev.layers(), ev.kvHeads(), n);
        }
        int[] perLayer = new int[ev.layers()];
        for (int l = 0; l < perLayer.length; l++) {
            perLayer[l] = kept.countInLayer(l);
        }
        return new PolicyAnalysis(policy.name(), kept, recall(kept), overlap(overlapK).clone(),
                KvMemory.of(perLayer, ev.kvHeads(), headDim, n), capture.decode().steps() > 0);
    }

    private double[][] recall(KeptPositions kept) {
        AttentionEvidence ev = capture.evidence();
        DecodeAttention dec = capture.decode();
        int n = capture.promptLength();
        int steps = dec.steps();
        double[][] out = new double[ev.layers()][ev.heads()];
        for (int l = 0; l < ev.layers(); l++) {
            for (int kvh = 0; kvh < ev.kvHeads(); kvh++) {
                boolean[] mask = kept.mask(l, kvh, n + steps);
                Arrays.fill(mask, n, n + steps, true);
                for (int g = 0; g < ev.groupSize(); g++) {
                    int head = kvh * ev.groupSize() + g;
                    double sum = 0;
                    int rows = 0;
                    if (steps > 0) {
                        for (int s = 0; s < steps; s++) {
                            float[] row = dec.row(s, l, head);
                            if (row != null) {
                                sum += AttentionRecall.recall(row, row.length, mask);
                                rows++;
                            }
                        }
                    } else {
                        for (int r = 0; r < ev.window(); r++) {
                            sum += AttentionRecall.recall(ev.row(l, head, r), ev.firstWindowQuery() + r + 1, mask);
                            rows++;
                        }
                    }
                    out[l][head] = rows == 0 ? Double.NaN : sum / rows;
                }
            }
        }
        return out;
    }

    /** Mean PvC overlap per layer for top-k size {@code k} (cached). */
    double[] overlap(int k) {
        return overlapByK.computeIfAbsent(k, this::computeOverlap);
    }

    private double[] computeOverlap(int k) {
        AttentionEvidence ev = capture.evidence();
        int[][][] order = ranked();
        int w = ev.window();
        double[] out = new double[ev.layers()];
        int[] a = new int[k];
        int[] b = new int[k];
        for (int l = 0; l < ev.layers(); l++) {
            double sum = 0;
            for (int h = 0; h < ev.heads(); h++) {
                int[][] rows = order[l * ev.heads() + h];
                double v;
                if (w < 2) {
                    v = Double.NaN;
                } else {
                    double s = 0;
                    for (int r = 0; r + 1 < w; r++) {
                        int shared = ev.firstWindowQuery() + r + 1;
                        int na = top(rows[r], shared, k, a);
                        int nb = top(rows[r + 1], shared, k, b);
                        s += overlap(a, na, b, nb);
                    }
                    v = s / (w - 1);
                }
                sum += Double.isNaN(v) ? 1.0 : v;
            }
            out[l] = sum / ev.heads();
        }
        return out;
    }

    /** The first {@code k} ranked positions below {@code shared}, sorted increasing into {@code out}. */
    private static int top(int[] ranking, int shared, int k, int[] out) {
        int n = 0;
        for (int i = 0; i < ranking.length && n < k; i++) {
            if (ranking[i] < shared) {
                out[n++] = ranking[i];
            }
        }
        Arrays.sort(out, 0, n);
        return n;
    }

    private static double overlap(int[] a, int na, int[] b, int nb) {
        int i = 0;
        int j = 0;
        int common = 0;
        while (i < na && j < nb) {
            if (a[i] == b[j]) {
                common++;
                i++;
                j++;
            } else if (a[i] < b[j]) {
                i++;
            } else {
                j++;
            }
        }
        int denom = Math.max(na, nb);
        return denom == 0 ? 1.0 : (double) common / denom;
    }

    private int[][][] ranked() {
        int[][][] r = ranked;
        if (r == null) {
            synchronized (this) {
                if (ranked == null) {
                    ranked = rank(capture.evidence());
                }
                r = ranked;
            }
        }
        return r;
    }

    private static int[][][] rank(AttentionEvidence ev) {
        int[][][] out = new int[ev.layers() * ev.heads()][ev.window()][];
        for (int l = 0; l < ev.layers(); l++) {
            for (int h = 0; h < ev.heads(); h++) {
                for (int r = 0; r < ev.window(); r++) {
                    out[l * ev.heads() + h][r] = rankRow(ev.row(l, h, r), ev.firstWindowQuery() + r + 1);
                }
            }
        }
        return out;
    }

    /** Positions 0..count-1 by weight descending, ties to the lower position. */
    static int[] rankRow(float[] row, int count) {
        long[] keys = new long[count];
        for (int i = 0; i < count; i++) {
            int bits = Float.floatToIntBits(row[i]);
            int ascending = bits ^ ((bits >> 31) & 0x7fffffff);
            long descending = ~(ascending ^ 0x80000000) & 0xffffffffL;
            keys[i] = ((descending << 32) | i) ^ Long.MIN_VALUE;
        }
        Arrays.sort(keys);
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            out[i] = (int) keys[i];
        }
        return out;
    }
}
