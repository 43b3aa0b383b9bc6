package org.kvscope.kv;

import org.kvscope.tensor.PolicyKernels;

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

    /** Keeps its selection while decoding. */
    @Override public boolean actsDuringDecode() { return false; }

    /** Scoring reads the keys only. */
    @Override protected boolean scoresLayersConcurrently() { return true; }

    /** The cache records each key's squared norm and the running sum of the normalised keys as it is written. */
    @Override public boolean needsKeyNorms() { return true; }

    /**
     * The anchor's scale cancels in the cosine, so it is kept as the plain sum S of the normalised
     * keys (one division per key, not per element): score = −(k·S) / (‖k‖·‖S‖), ‖S‖ at least
     * n·1e-12 (the mean's norm at least 1e-12), as with the mean.
     */
    @Override
    protected float[] scoreKeys(float[] keys, int n, int d) {
        double[] squares = new double[n];
        double[] anchor = new double[d];
        for (int i = 0; i < n; i++) {
            squares[i] = DoubleSums.sumOfSquares(keys, i * d, d);
            DoubleSums.axpy(1 / KeyNorms.norm(squares[i]), keys, i * d, anchor, d);
        }
        return scores(keys, n, d, squares, anchor);
    }

    /** From the squared norms and the sum S recorded while the cache was written: one dot product per key. */
    @Override
    protected float[] scoreKeys(float[] keys, int n, int d, KeyNorms norms) {
        return scores(keys, n, d, norms.squares(), norms.normalisedSum());
    }

    /**
     * The scores from the squared norms and the anchor sum: in the native kernel where the library loads ({@link
     * PolicyKernels#keyDiffScores}: the anchor's norm, the anchor products and the division, the same floats), else
     * the Java loops. The kernel leaves no loop in Java, so a fresh JVM's first selection does not depend on what the
     * JIT has compiled by then (docs/BENCHMARKS.md, issue 15).
     */
    static float[] scores(float[] keys, int n, int d, double[] squares, double[] anchor) {
        float[] out = new float[n];
        if (anchor.length != d || !PolicyKernels.keyDiffScores(keys, n, d, anchor, squares, out)) {
            scoresInJava(keys, n, d, squares, anchor, out);
        }
        return out;
    }

    /** {@link #scores}' Java loops (where the native library is unavailable; the tests' reference for the kernel). */
    static void scoresInJava(float[] keys, int n, int d, double[] squares, double[] anchor, float[] out) {
        double anchorNorm = 0;
        for (double a : anchor) {
            anchorNorm += a * a;
        }
        anchorNorm = Math.max(Math.sqrt(anchorNorm), n * 1e-12);
        double[] dots = anchorDots(keys, n, d, anchor);
        for (int i = 0; i < n; i++) {
            out[i] = (float) -(dots[i] / (KeyNorms.norm(squares[i]) * anchorNorm));
        }
    }

    /**
     * Each key's dot product with the anchor ({@link DoubleSums#dot}): the native kernel where the library loads
     * (the same doubles, four keys at a time in vectors: 11.8M multiply-adds at 2,048 tokens on the SmolLM2-135M
     * shape, most of this policy's selection), else the Java loop.
     */
    static double[] anchorDots(float[] keys, int n, int d, double[] anchor) {
        double[] dots = new double[n];
        if (!PolicyKernels.dots(keys, n, d, anchor, dots)) {
            for (int i = 0; i < n; i++) {
                dots[i] = DoubleSums.dot(keys, i * d, anchor, d);
            }
        }
        return dots;
    }
}
