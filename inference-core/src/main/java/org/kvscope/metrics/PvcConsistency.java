package org.kvscope.metrics;

import org.kvscope.trace.AttentionCapture;
import org.kvscope.trace.AttentionEvidence;
import org.kvscope.trace.DecodeAttention;

/**
 * Pivotal-context (PvC) overlap of a captured FullKV run, a property of the model and the prompt,
 * not of any compression policy.
 *
 * <p>{@link Definition#RECENT_VS_LATER} is PyramidInfer's: the PvC chosen by the recent window (the
 * top-k prompt keys of the mean attention of the last {@code window} prompt queries) is compared with
 * the PvC of each token generated later (the top-k prompt keys of that decode query's attention);
 * high overlap means a selection made at the end of the prompt stays valid while generating.
 * {@link Definition#CONSECUTIVE} compares the top-k sets of consecutive recent prompt queries.
 *
 * @param definition how the two PvCs are chosen
 * @param k          PvC size (top-k keys)
 * @param window     recent prompt queries used
 * @param perHead    [layer][query head] mean overlap (NaN when nothing could be compared)
 */
public record PvcConsistency(Definition definition, int k, int window, double[][] perHead) {

    /** Which two pivotal contexts are compared. */
    public enum Definition {
        RECENT_VS_LATER("recent window → later tokens (PyramidInfer)"),
        CONSECUTIVE("consecutive prompt queries");

        private final String label;

        Definition(String label) {
            this.label = label;
        }

        public String label() { return label; }

        @Override public String toString() { return label; }
    }

    /** Mean over the heads of a layer (NaN heads are skipped). */
    public double layer(int layer) {
        double s = 0;
        int n = 0;
        for (double v : perHead[layer]) {
            if (!Double.isNaN(v)) {
                s += v;
                n++;
            }
        }
        return n == 0 ? Double.NaN : s / n;
    }

    /** Per-layer means. */
    public double[] byLayer() {
        double[] out = new double[perHead.length];
        for (int l = 0; l < out.length; l++) {
            out[l] = layer(l);
        }
        return out;
    }

    /** Mean over layers (NaN layers are skipped). */
    public double mean() {
        double s = 0;
        int n = 0;
        for (double v : byLayer()) {
            if (!Double.isNaN(v)) {
                s += v;
                n++;
            }
        }
        return n == 0 ? Double.NaN : s / n;
    }

    /**
     * Measures a capture.
     *
     * @param window recent prompt queries (clamped to the captured observation window)
     * @throws IllegalArgumentException when k or window is below 1
     */
    public static PvcConsistency of(AttentionCapture capture, Definition definition, int k, int window) {
        if (k < 1 || window < 1) {
            throw new IllegalArgumentException("PvC overlap needs k ≥ 1 and window ≥ 1, was k=" + k + " window=" + window);
        }
        AttentionEvidence ev = capture.evidence();
        int w = Math.min(window, ev.window());
        int n = capture.promptLength();
        double[][] out = new double[ev.layers()][ev.heads()];
        for (int l = 0; l < ev.layers(); l++) {
            for (int h = 0; h < ev.heads(); h++) {
                float[][] recent = new float[w][];
                int[] counts = new int[w];
                for (int r = 0; r < w; r++) {
                    int row = ev.window() - w + r;
                    recent[r] = ev.row(l, h, row);
                    counts[r] = ev.firstWindowQuery() + row + 1;
                }
                out[l][h] = definition == Definition.CONSECUTIVE
                        ? PvcOverlap.consecutive(recent, counts, k)
                        : PvcOverlap.recentVsLater(recent, n, laterRows(capture.decode(), l, h), k);
            }
        }
        return new PvcConsistency(definition, k, w, out);
    }

    private static float[][] laterRows(DecodeAttention dec, int layer, int head) {
        int steps = dec.steps();
        java.util.List<float[]> rows = new java.util.ArrayList<>(steps);
        for (int s = 0; s < steps; s++) {
            float[] row = dec.row(s, layer, head);
            if (row != null) {
                rows.add(row);
            }
        }
        return rows.toArray(new float[0][]);
    }
}
