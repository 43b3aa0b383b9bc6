package org.kvscope.kv;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Double-precision sums over float vectors (keys, attention rows) for the policies' scoring,
 * several lanes at a time: the same sums as a plain loop up to the order of additions (a relative
 * difference near 1e-16, far below the float the scores are rounded to).
 */
final class DoubleSums {
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> F = D.length() >= 2
            ? VectorSpecies.of(float.class, VectorShape.forBitSize(D.vectorBitSize() / 2)) : null;

    /**
     * Shorter sums take plain loops: one or two vectors' work does not pay a lane reduction, and a
     * cold process runs the Vector API as interpreted fallbacks for its first thousands of calls
     * (KeyDiff's and K-norm's sums over one 8-dimensional key of stories260K: issue 16's cold analyze).
     */
    static final int MIN_VECTOR = F == null ? Integer.MAX_VALUE : 4 * D.length();
    /**
     * Attention rows shorter than this take plain loops in {@link #addWithSquares} and {@link
     * #varianceSum}: CAKE on a short prompt makes a few hundred such calls, over before C2 has
     * compiled the vector code (its LOG runs per lane in Java until then); long rows keep the vectors.
     */
    static final int MIN_VECTOR_ROW = 1024;

    private DoubleSums() {}

    private static DoubleVector widen(float[] x, int o) {
        return (DoubleVector) FloatVector.fromArray(F, x, o).convertShape(VectorOperators.F2D, D, 0);
    }

    /** Σ x[o + j]² for j below d. */
    static double sumOfSquares(float[] x, int o, int d) {
        int j = 0;
        double s = 0;
        if (d >= MIN_VECTOR) {
            DoubleVector acc = DoubleVector.zero(D);
            for (; j + D.length() <= d; j += D.length()) {
                DoubleVector v = widen(x, o + j);
                acc = v.fma(v, acc);
            }
            s = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; j < d; j++) {
            double v = x[o + j];
            s += v * v;
        }
        return s;
    }

    /** Σ x[o + j]·y[j] for j below d. */
    static double dot(float[] x, int o, double[] y, int d) {
        int j = 0;
        double s = 0;
        if (d >= MIN_VECTOR) {
            DoubleVector acc = DoubleVector.zero(D);
            for (; j + D.length() <= d; j += D.length()) {
                acc = widen(x, o + j).fma(DoubleVector.fromArray(D, y, j), acc);
            }
            s = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; j < d; j++) {
            s += x[o + j] * y[j];
        }
        return s;
    }

    /** y[j] += a·x[o + j] for j below d. */
    static void axpy(double a, float[] x, int o, double[] y, int d) {
        int j = 0;
        if (d >= MIN_VECTOR) {
            DoubleVector av = DoubleVector.broadcast(D, a);
            for (; j + D.length() <= d; j += D.length()) {
                widen(x, o + j).fma(av, DoubleVector.fromArray(D, y, j)).intoArray(y, j);
            }
        }
        for (; j < d; j++) {
            y[j] += a * x[o + j];
        }
    }

    /**
     * sum[k] += a and sq[k] += a·a for a = x[k], k below n (each lane as the plain loop computes
     * it), in the same pass as the entropy term −Σ a·ln(a + 1e-10) of those weights, returned.
     */
    static double addWithSquares(float[] x, int n, double[] sum, double[] sq) {
        int k = 0;
        double entropy = 0;
        if (F != null && n >= MIN_VECTOR_ROW) {
            DoubleVector acc = DoubleVector.zero(D);
            for (; k + D.length() <= n; k += D.length()) {
                DoubleVector a = widen(x, k);
                DoubleVector.fromArray(D, sum, k).add(a).intoArray(sum, k);
                DoubleVector.fromArray(D, sq, k).add(a.mul(a)).intoArray(sq, k);
                acc = a.mul(a.add(1e-10).lanewise(VectorOperators.LOG)).add(acc);
            }
            entropy = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; k < n; k++) {
            double a = x[k];
            sum[k] += a;
            sq[k] += a * a;
            entropy += a * Math.log(a + 1e-10);
        }
        return -entropy;
    }

    /** Σ over k below n of max(0, (sq[k] − sum[k]²/w) / (w − 1)): each key's sample variance over w rows (w > 1). */
    static double varianceSum(double[] sum, double[] sq, int n, int w) {
        int k = 0;
        double total = 0;
        if (n >= MIN_VECTOR_ROW) {
            DoubleVector acc = DoubleVector.zero(D);
            for (; k + D.length() <= n; k += D.length()) {
                DoubleVector s = DoubleVector.fromArray(D, sum, k);
                acc = DoubleVector.fromArray(D, sq, k).sub(s.mul(s).div(w)).div(w - 1).max(0).add(acc);
            }
            total = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; k < n; k++) {
            total += Math.max(0, (sq[k] - sum[k] * sum[k] / w) / (w - 1));
        }
        return total;
    }
}
