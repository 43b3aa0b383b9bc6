package org.kvscope.kv;

/**
 * K-norm (Devoto et al. 2024, "A Simple and Effective L2 Norm-Based Strategy for KV Cache
 * Compression"): keys with a <em>low</em> L2 norm draw high attention, so per layer and kv-head
 * the positions with the lowest key norms are kept (score = −‖k‖).
 */
public final class KnormPolicy extends KeyScoredPolicy {
    public static final String NAME = "knorm";

    public KnormPolicy(PolicyParameters params) {
        super(params);
    }

    @Override public String name() { return NAME; }

    /** Keeps its selection while decoding. */
    @Override public boolean actsDuringDecode() { return false; }

    /** Scoring reads the keys only. */
    @Override protected boolean scoresLayersConcurrently() { return true; }

    @Override
    protected float[] scoreKeys(float[] keys, int n, int d) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) -Math.sqrt(DoubleSums.sumOfSquares(keys, i * d, d));
        }
        return out;
    }
}
