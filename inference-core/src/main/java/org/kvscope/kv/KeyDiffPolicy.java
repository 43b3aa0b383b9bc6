package org.kvscope.kv;

/**
 * KeyDiff (Park et al. 2025): keep the keys most unlike the others. The anchor is the mean of the
 * head's L2-normalised prompt keys; a position's score is minus the cosine similarity of its key
 * to the anchor, so the most distinctive keys are kept.
 */
public final class KeyDiffPolicy extends KeyScoredPolicy {
    public static final String NAME = "keydiff";

    public KeyDiffPolicy(PolicyParameters params) {
        super(params);
    }

    @Override public String name() { return NAME; }

    @Override
    protected float[] scoreKeys(float[] keys, int n, int d) {
        double[] anchor = new double[d];
        double[] norms = new double[n];
        for (int i = 0; i < n; i++) {
            norms[i] = Math.max(norm(keys, i, d), 1e-12);
            for (int j = 0; j < d; j++) {
                anchor[j] += keys[i * d + j] / norms[i] / n;
            }
        }
        double anchorNorm = 0;
        for (double a : anchor) {
            anchorNorm += a * a;
        }
        anchorNorm = Math.max(Math.sqrt(anchorNorm), 1e-12);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            double dot = 0;
            for (int j = 0; j < d; j++) {
                dot += keys[i * d + j] * anchor[j];
            }
            out[i] = (float) -(dot / (norms[i] * anchorNorm));
        }
        return out;
    }
}
