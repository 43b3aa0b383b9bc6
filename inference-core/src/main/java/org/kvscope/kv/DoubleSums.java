package org.kvscope.kv;

/**
 * Double-precision sums over float vectors (keys, attention rows) for the policies' scoring: the
 * same sums as a one-accumulator loop up to the order of additions (a relative difference near
 * 1e-16, far below the float the scores are rounded to).
 *
 * <p>Plain loops, not the Vector API: a CLI user runs a selection once per process, and until C2
 * has compiled them the Vector API's operations run as allocating Java fallbacks (LOG per lane
 * through a lambda), hundreds of times slower. That made KeyDiff's and CAKE's first selection at
 * 2,048 tokens on the SmolLM2-135M shape take 0.26–0.35 s (K-norm's about 0.5 s before it took plain
 * loops); compiled, these loops are within a few milliseconds of the vectors. The key sums stay one
 * call per key: a small method called per key is compiled after a few hundred calls, while one loop
 * nest over a head's keys waited for on-stack replacement (K-norm's first selection 26 → 43 ms, KeyDiff's
 * 61 → 75 ms, bench-policies --repeat 0).
 */
final class DoubleSums {
    private DoubleSums() {}

    /** Σ x[o + j]² for j below d, in four interleaved sums. */
    static double sumOfSquares(float[] x, int o, int d) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int j = 0;
        for (; j + 4 <= d; j += 4) {
            double a = x[o + j], b = x[o + j + 1], c = x[o + j + 2], e = x[o + j + 3];
            s0 += a * a;
            s1 += b * b;
            s2 += c * c;
            s3 += e * e;
        }
        for (; j < d; j++) {
            double v = x[o + j];
            s0 += v * v;
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** Σ x[o + j]·y[j] for j below d, in four interleaved sums. */
    static double dot(float[] x, int o, double[] y, int d) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int j = 0;
        for (; j + 4 <= d; j += 4) {
            s0 += x[o + j] * y[j];
            s1 += x[o + j + 1] * y[j + 1];
            s2 += x[o + j + 2] * y[j + 2];
            s3 += x[o + j + 3] * y[j + 3];
        }
        for (; j < d; j++) {
            s0 += x[o + j] * y[j];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** y[j] += a·x[o + j] for j below d. */
    static void axpy(double a, float[] x, int o, double[] y, int d) {
        for (int j = 0; j < d; j++) {
            y[j] += a * x[o + j];
        }
    }
}
