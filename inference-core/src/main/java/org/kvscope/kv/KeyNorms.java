package org.kvscope.kv;

/**
 * What K-norm and KeyDiff score from, recorded for one (layer, kv-head) while the cache was
 * written ({@link KvCache#recordKeyNorms}), for its slots 0 … size − 1 in order: each key's
 * squared L2 norm ({@link DoubleSums#sumOfSquares}) and the sum of the keys each divided by
 * max(‖k‖, 1e-12), added key by key ({@link DoubleSums#axpy}); and K-norm's score of each key, so that its
 * selection ranks them where they lie. Live arrays, read only.
 *
 * @param squares       per slot, Σ k[j]² in double
 * @param normalisedSum per dimension, Σ over slots of k[j] / max(‖k‖, 1e-12)
 * @param negatedNorms  per slot, {@link #negatedNorm} of its square: K-norm's score
 */
public record KeyNorms(double[] squares, double[] normalisedSum, float[] negatedNorms) {

    /** −‖k‖ rounded to float, from the key's squared norm: K-norm's score of the key. */
    static float negatedNorm(double square) {
        return (float) -Math.sqrt(square);
    }

    /** max(‖k‖, 1e-12) of the key with squared norm {@code square}: what a key is divided by in {@link #normalisedSum}. */
    static double norm(double square) {
        return Math.max(Math.sqrt(square), 1e-12);
    }
}
