package org.kvscope.metrics;

import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.KeptPositions;
import org.kvscope.trace.AttentionCapture;
import org.kvscope.trace.AttentionEvidence;
import org.kvscope.trace.DecodeAttention;

/**
 * What a policy would keep and what that costs, computed from a captured FullKV run without
 * re-running the model: kept positions, attention recall per layer and head, PvC overlap per
 * layer, and KV memory kept versus full.
 *
 * <p>Recall is measured on the captured decode queries (each sees the kept prompt positions plus
 * every generated token); when no decode rows were captured it falls back to the prompt's last
 * window queries ({@link #recallFromDecode} false). Policies that also evict while decoding
 * (H2O, StreamingLLM) are judged by their after-prefill selection.
 *
 * @param recall      [layer][query head] mean recall
 * @param pvcOverlap  [layer] mean overlap of consecutive recent queries' top-k sets (the last
 *                    {@link Analyzer#OVERLAP_ROWS} prompt queries, k = the policy's budget): the
 *                    consecutive variant, kept for reports; it does not depend on the policy's
 *                    selection. PyramidInfer's definition is {@link PvcConsistency}.
 */
public record PolicyAnalysis(String policy, KeptPositions kept, double[][] recall, double[] pvcOverlap,
                             KvMemory memory, boolean recallFromDecode) {

    /** This analysis with its memory counted in a {@code type} cache's real bytes instead of float32's. */
    public PolicyAnalysis inCacheType(org.kvscope.kv.KvCacheType type, int headDim) {
        return new PolicyAnalysis(policy, kept, recall, pvcOverlap, memory.inType(type, headDim), recallFromDecode);
    }

    /** Mean recall of a layer over its heads. */
    public double recall(int layer) {
        double s = 0;
        for (double v : recall[layer]) {
            s += v;
        }
        return s / recall[layer].length;
    }

    /** Mean recall over all layers and heads. */
    public double meanRecall() {
        double s = 0;
        for (int l = 0; l < recall.length; l++) {
            s += recall(l);
        }
        return s / recall.length;
    }

    public double meanPvcOverlap() {
        double s = 0;
        for (double v : pvcOverlap) {
            s += v;
        }
        return s / pvcOverlap.length;
    }

    /**
     * @param overlapK top-k size for PvC overlap (e.g. the policy's budget)
     */
    public static PolicyAnalysis analyze(AttentionCapture capture, CompressionPolicy policy, int contextLength,
                                         int headDim, int overlapK) {
        return new Analyzer(capture).analyze(policy, contextLength, headDim, overlapK);
    }

    /**
     * Evaluates many policy settings against one capture. The expensive per-row work (sorting the
     * recent queries' attention rows) is done once here, so each new setting — a slider move —
     * costs only the selection itself plus O(k) per row.
     */
    public static final class Analyzer {
        /** Consecutive recent queries compared for PvC overlap. */
        public static final int OVERLAP_ROWS = 16;
        private final AttentionCapture capture;
        private final RowOrder[][][] orders; // [layer][head][row]
        private final int firstRow;

        public Analyzer(AttentionCapture capture) {
            this.capture = capture;
            AttentionEvidence ev = capture.evidence();
            int rows = Math.min(OVERLAP_ROWS, ev.window());
            firstRow = ev.window() - rows;
            orders = new RowOrder[ev.layers()][ev.heads()][rows];
            for (int l = 0; l < ev.layers(); l++) {
                for (int h = 0; h < ev.heads(); h++) {
                    for (int r = 0; r < rows; r++) {
                        orders[l][h][r] = new RowOrder(ev.row(l, h, firstRow + r), ev.firstWindowQuery() + firstRow + r + 1);
                    }
                }
            }
        }

        public AttentionCapture capture() { return capture; }

        public PolicyAnalysis analyze(CompressionPolicy policy, int contextLength, int headDim, int overlapK) {
            AttentionEvidence ev = capture.evidence();
            if (policy.evidenceWindow() > ev.window()) {
                throw new IllegalArgumentException("parameter 'window' must be at most " + ev.window()
                        + " (the captured observation window), was " + policy.evidenceWindow());
            }
            int n = capture.promptLength();
            var ctx = new CompressionPolicy.PrefillContext(ev.layers(), ev.heads(), ev.kvHeads(), n, contextLength, ev);
            KeptPositions kept = policy.checkedSelectAfterPrefill(ctx);
            if (kept == null) {
                kept = KeptPositions.all(ev.layers(), ev.kvHeads(), n);
            }
            double[][] recall = recall(capture, kept);
            double[] overlap = pvcOverlap(overlapK);
            int[] perLayer = new int[ev.layers()];
            for (int l = 0; l < perLayer.length; l++) {
                perLayer[l] = kept.countInLayer(l);
            }
            return new PolicyAnalysis(policy.name(), kept, recall, overlap,
                    KvMemory.of(perLayer, ev.kvHeads(), headDim, n), capture.decode().steps() > 0);
        }

        /** Mean overlap of consecutive recent queries' top-k sets, per layer. */
        public double[] pvcOverlap(int k) {
            AttentionEvidence ev = capture.evidence();
            double[] out = new double[ev.layers()];
            for (int l = 0; l < ev.layers(); l++) {
                double sum = 0;
                int pairs = 0;
                for (int h = 0; h < ev.heads(); h++) {
                    RowOrder[] rows = orders[l][h];
                    for (int r = 0; r + 1 < rows.length; r++) {
                        sum += RowOrder.overlap(rows[r], rows[r + 1], rows[r].count(), k);
                        pairs++;
                    }
                }
                out[l] = pairs == 0 ? 1.0 : sum / pairs;
            }
            return out;
        }
    }

    static double[][] recall(AttentionCapture capture, KeptPositions kept) {
        AttentionEvidence ev = capture.evidence();
        DecodeAttention dec = capture.decode();
        int n = capture.promptLength();
        int steps = dec.steps();
        double[][] out = new double[ev.layers()][ev.heads()];
        for (int l = 0; l < ev.layers(); l++) {
            for (int kvh = 0; kvh < ev.kvHeads(); kvh++) {
                boolean[] mask = kept.mask(l, kvh, n + steps);
                for (int p = n; p < n + steps; p++) {
                    mask[p] = true;
                }
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
}
