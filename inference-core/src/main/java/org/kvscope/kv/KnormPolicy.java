package org.kvscope.kv;

import java.util.Arrays;

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

    /** The cache records each key's squared norm as it is written. */
    @Override public boolean needsKeyNorms() { return true; }

    @Override
    protected float[] scoreKeys(float[] keys, int n, int d) {
        double[] squares = new double[n];
        for (int i = 0; i < n; i++) {
            squares[i] = DoubleSums.sumOfSquares(keys, i * d, d);
        }
        return scores(squares, n);
    }

    /** The scores recorded while the cache was written: no pass over the keys. */
    @Override
    protected float[] scoreKeys(float[] keys, int n, int d, KeyNorms norms) {
        return Arrays.copyOf(norms.negatedNorms(), n);
    }

    /** The selection ranks the recorded scores where they lie: no pass over the keys, no copy. */
    @Override
    float[] scoresInPlace(KvCache cache, int layer, int kvHead, int n, KeyNorms norms) {
        return norms.negatedNorms();
    }

    private static float[] scores(double[] squares, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = KeyNorms.negatedNorm(squares[i]);
        }
        return out;
    }
}
