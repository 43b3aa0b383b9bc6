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
     * One score array per (layer, kv-head) of the cache the next selection reads, made before its prefill
     * ({@link #prepareSelection}), or null. The selection rewrites the first prompt-length entries of each and ranks
     * them ({@link #scoresInPlace}) instead of making 90 arrays of 2,048 floats at the SmolLM2-135M shape (720 KiB,
     * a young collection's odds inside a fresh JVM's first selection; docs/BENCHMARKS.md, issue 15).
     */
    private Buffers buffers;

    /** Score arrays for one cache: row {@code layer · kvHeads + kvHead}, each at least the prompt long. */
    private record Buffers(KvCache cache, int kvHeads, float[][] rows) {}

    /**
     * Makes {@link #buffers} for this prefill's cache when it records key norms (the only cache the selection
     * scores in place), keeping the last ones when they are for that cache and long enough.
     */
    @Override
    public void prepareSelection(PrefillContext ctx) {
        KvCache cache = ctx.cache();
        int n = ctx.promptLength();
        if (cache == null || n <= 0 || cache.layers() * cache.kvHeads() == 0 || cache.keyNorms(0, 0) == null) {
            return;
        }
        Buffers b = buffers;
        if (b != null && b.cache() == cache && b.kvHeads() == cache.kvHeads()
                && b.rows().length == cache.layers() * cache.kvHeads() && b.rows()[0].length >= n) {
            return;
        }
        buffers = new Buffers(cache, cache.kvHeads(), new float[cache.layers() * cache.kvHeads()][n]);
    }

    /** The scores written into this (layer, kv-head)'s buffer, when {@link #prepareSelection} made one for the cache and prompt. */
    @Override
    float[] scoresInPlace(KvCache cache, int layer, int kvHead, int n, KeyNorms norms) {
        Buffers b = buffers;
        int row = layer * cache.kvHeads() + kvHead;
        if (b == null || b.cache() != cache || b.kvHeads() != cache.kvHeads() || row >= b.rows().length
                || b.rows()[row].length < n) {
            return null;
        }
        float[] out = b.rows()[row];
        scores(cache.keys(layer, kvHead), n, cache.headDim(), norms.squares(), norms.normalisedSum(), out);
        return out;
    }

    /** {@link #scores(float[], int, int, double[], double[], float[])} into a new array. */
    static float[] scores(float[] keys, int n, int d, double[] squares, double[] anchor) {
        float[] out = new float[n];
        scores(keys, n, d, squares, anchor, out);
        return out;
    }

    /**
     * The scores from the squared norms and the anchor sum, into out[0 .. n): in the native kernel where the library
     * loads ({@link PolicyKernels#keyDiffScores}: the anchor's norm, the anchor products and the division, the same
     * floats), else the Java loops. The kernel leaves no loop in Java, so a fresh JVM's first selection does not depend
     * on what the JIT has compiled by then (docs/BENCHMARKS.md, issue 15).
     */
    static void scores(float[] keys, int n, int d, double[] squares, double[] anchor, float[] out) {
        if (anchor.length != d || !PolicyKernels.keyDiffScores(keys, n, d, anchor, squares, out)) {
            scoresInJava(keys, n, d, squares, anchor, out);
        }
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
