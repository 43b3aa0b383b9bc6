package org.kvscope.backend.cpu;

import org.kvscope.tensor.VectorOps;

/**
 * Scalar twins of the forward pass's vector kernels: the same multiply-adds, fused or not as
 * there, in the same order per output lane, so each result equals its vector kernel's bit for bit
 * (for the lane count of {@link VectorOps#F}). For models too small for vectors to pay off
 * ({@link SmallModel}): a cold JVM runs Vector API code as allocating Java fallbacks until C2 has
 * compiled it, while plain loops are fast from C1 on. {@code lanes} is a caller's buffer of at least
 * {@link #LANES} floats, used where a kernel sums a vector's lanes.
 */
final class ScalarKernels {
    static final int LANES = VectorOps.F.length();
    private static final int L = LANES;
    /** Keys per step of {@link AttentionKernels#scores}' main loop. */
    private static final int KEY_STEP = 4 * L;

    private ScalarKernels() {}

    /**
     * Σ w[wo + i]·x[xo + i] for i &lt; n in {@code F32Tensor.dot}'s order: per lane two fused chains
     * over whole pairs of vectors, the lanes added in {@link VectorOps#sumLanes} order, then the
     * tail one rounded product at a time.
     */
    static float dotF32(float[] w, int wo, float[] x, int xo, int n, float[] lanes) {
        int whole = n / (2 * L) * (2 * L);
        for (int l = 0; l < L; l++) {
            float a0 = 0f, a1 = 0f;
            for (int i = l; i < whole; i += 2 * L) {
                a0 = Math.fma(w[wo + i], x[xo + i], a0);
                a1 = Math.fma(w[wo + i + L], x[xo + i + L], a1);
            }
            lanes[l] = a0 + a1;
        }
        float s = VectorOps.sumLanes(lanes);
        for (int i = whole; i < n; i++) {
            s += w[wo + i] * x[xo + i];
        }
        return s;
    }

    /**
     * Σ a[ao + i]·b[bo + i] for i &lt; n in {@link VectorOps#dot}'s order: four fused chains per lane
     * over whole groups of four vectors, then single vectors of rounded products, then the tail.
     */
    static float dot(float[] a, int ao, float[] b, int bo, int n, float[] lanes) {
        int i = 0;
        float result = 0f;
        if (n >= 4 * L) {
            int whole = n / (4 * L) * (4 * L);
            for (int l = 0; l < L; l++) {
                float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
                for (int k = l; k < whole; k += 4 * L) {
                    s0 = Math.fma(a[ao + k], b[bo + k], s0);
                    s1 = Math.fma(a[ao + k + L], b[bo + k + L], s1);
                    s2 = Math.fma(a[ao + k + 2 * L], b[bo + k + 2 * L], s2);
                    s3 = Math.fma(a[ao + k + 3 * L], b[bo + k + 3 * L], s3);
                }
                lanes[l] = (s0 + s1) + (s2 + s3);
            }
            result = VectorOps.sumLanes(lanes);
            i = whole;
        }
        for (; i + L <= n; i += L) {
            for (int l = 0; l < L; l++) {
                lanes[l] = a[ao + i + l] * b[bo + i + l];
            }
            result += VectorOps.sumLanes(lanes);
        }
        for (; i < n; i++) {
            result += a[ao + i] * b[bo + i];
        }
        return result;
    }

    /**
     * {@code FloatTensor.matvec} (n = 1, {@link #dotF32} per row) or {@code matmul} (one fused chain
     * over the columns per output) of a row-major F32 matrix w (rows × cols): out[b·rows + r] = row r
     * · x[b·cols ...] for b &lt; n. Four rows at a time, so four independent chains are in flight.
     */
    static void project(float[] w, float[] x, float[] out, int n, int rows, int cols, float[] lanes) {
        if (n == 1) {
            for (int r = 0; r < rows; r++) {
                out[r] = dotF32(w, r * cols, x, 0, cols, lanes);
            }
            return;
        }
        projectBatch(w, x, out, 0, n, rows, cols);
    }

    /**
     * Input rows {@code from..to-1} of {@link #project}'s matmul order (n &gt; 1), whatever the range's size:
     * each input row's outputs depend on that row alone, so ranges may run on different threads.
     */
    static void projectBatch(float[] w, float[] x, float[] out, int from, int to, int rows, int cols) {
        for (int b = from; b < to; b++) {
            int xo = b * cols, oo = b * rows;
            int r = 0;
            for (; r + 4 <= rows; r += 4) {
                fourRowDots(w, r * cols, cols, x, xo, 1f, out, oo + r);
            }
            for (; r < rows; r++) {
                float a = 0f;
                for (int k = 0, wo = r * cols; k < cols; k++) {
                    a = Math.fma(w[wo + k], x[xo + k], a);
                }
                out[oo + r] = a;
            }
        }
    }

    /**
     * out[o + i] = scale · (m[m0 + i·n ..] · x[xo ..]) over n, for the four consecutive rows i &lt; 4:
     * four independent fused chains in flight, each in index order (× 1f leaves a sum as it is).
     */
    private static void fourRowDots(float[] m, int m0, int n, float[] x, int xo, float scale, float[] out, int o) {
        int m1 = m0 + n, m2 = m1 + n, m3 = m2 + n;
        float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f;
        for (int k = 0; k < n; k++) {
            float v = x[xo + k];
            a0 = Math.fma(m[m0 + k], v, a0);
            a1 = Math.fma(m[m1 + k], v, a1);
            a2 = Math.fma(m[m2 + k], v, a2);
            a3 = Math.fma(m[m3 + k], v, a3);
        }
        out[o] = a0 * scale;
        out[o + 1] = a1 * scale;
        out[o + 2] = a2 * scale;
        out[o + 3] = a3 * scale;
    }

    /** a[from .. from + n) = its softmax, as {@code CpuForward}'s: maximum, {@link #expShifted}, one reciprocal. */
    static void softmax(float[] a, int from, int n, float[] lanes) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = from; i < from + n; i++) {
            if (a[i] > max) {
                max = a[i];
            }
        }
        float inv = 1f / expShifted(a, from, n, max, lanes);
        for (int i = from; i < from + n; i++) {
            a[i] *= inv;
        }
    }

    /** {@link VectorOps#expShifted(float[], int, int, float)}: lane sums over whole vectors from {@code from}, then the tail. */
    static float expShifted(float[] a, int from, int n, float shift, float[] lanes) {
        java.util.Arrays.fill(lanes, 0, L, 0f);
        int i = from, end = from + n;
        for (; i + L <= end; i += L) {
            for (int l = 0; l < L; l++) {
                float e = VectorOps.exp(a[i + l] - shift);
                a[i + l] = e;
                lanes[l] += e;
            }
        }
        float sum = VectorOps.sumLanes(lanes);
        for (; i < end; i++) {
            a[i] = VectorOps.exp(a[i] - shift);
            sum += a[i];
        }
        return sum;
    }

    /** {@link VectorOps#swiglu}: gate[i] = silu(gate[i]) · up[i] for i in [from, to), lane by lane the same. */
    static void swiglu(float[] gate, float[] up, int from, int to) {
        for (int i = from; i < to; i++) {
            float g = gate[i];
            gate[i] = g / (VectorOps.exp(-g) + 1f) * up[i];
        }
    }

    /**
     * Scores of {@link AttentionKernels#scoresFour}: scores[s] = Σ_d keys[s·hd + d]·(q[qo + d]·scale),
     * one fused chain over d per key, the scale applied to the query first; for s &lt; count.
     */
    static void scoresScaledQuery(float[] q, int qo, float[] keys, int hd, int count, float scale, float[] scores,
                                  float[] scaled) {
        for (int d = 0; d < hd; d++) {
            scaled[d] = q[qo + d] * scale;
        }
        for (int s = 0; s < count; s++) {
            float a = 0f;
            for (int d = 0, k = s * hd; d < hd; d++) {
                a = Math.fma(keys[k + d], scaled[d], a);
            }
            scores[s] = a;
        }
    }

    /**
     * Scores of {@link AttentionKernels#scores} over transposed keys, for s &lt; visible: keys of its
     * main loop (whole steps of four vectors) get one fused chain over d, then the scale; the rest
     * ({@code blockScores}) four chains over d mod 4 (the dimensions past a multiple of four join
     * the first), added as (a0 + a1) + (a2 + a3), then the scale.
     */
    static void scoresTransposedOrder(float[] q, int qo, float[] keys, int hd, int visible, float scale,
                                      float[] scores) {
        int main = visible / KEY_STEP * KEY_STEP; // a multiple of four keys
        for (int s = 0; s < main; s += 4) { // four keys' chains in flight, each key's over d in order
            fourRowDots(keys, s * hd, hd, q, qo, scale, scores, s);
        }
        int four = hd / 4 * 4;
        for (int s = main; s < visible; s++) {
            int k = s * hd;
            float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f;
            int d = 0;
            for (; d < four; d += 4) {
                a0 = Math.fma(keys[k + d], q[qo + d], a0);
                a1 = Math.fma(keys[k + d + 1], q[qo + d + 1], a1);
                a2 = Math.fma(keys[k + d + 2], q[qo + d + 2], a2);
                a3 = Math.fma(keys[k + d + 3], q[qo + d + 3], a3);
            }
            for (; d < hd; d++) {
                a0 = Math.fma(keys[k + d], q[qo + d], a0);
            }
            scores[s] = ((a0 + a1) + (a2 + a3)) * scale;
        }
    }

    /** Scores of decode over an F32 cache: scores[s] = {@link #dot}(q, key s)·scale for s &lt; visible. */
    static void scoresDot(float[] q, int qo, float[] keys, int hd, int visible, float scale, float[] scores,
                          float[] lanes) {
        if (hd >= L) {
            for (int s = 0; s < visible; s++) {
                scores[s] = dot(q, qo, keys, s * hd, hd, lanes) * scale;
            }
            return;
        }
        int s = 0; // heads narrower than a vector: dot's tail alone, one rounded product at a time, four keys a step
        for (; s + 4 <= visible; s += 4) {
            float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f;
            for (int d = 0, k = s * hd; d < hd; d++, k++) {
                float x = q[qo + d];
                a0 += x * keys[k];
                a1 += x * keys[k + hd];
                a2 += x * keys[k + 2 * hd];
                a3 += x * keys[k + 3 * hd];
            }
            scores[s] = a0 * scale;
            scores[s + 1] = a1 * scale;
            scores[s + 2] = a2 * scale;
            scores[s + 3] = a3 * scale;
        }
        for (; s < visible; s++) {
            float a = 0f;
            for (int d = 0, k = s * hd; d < hd; d++) {
                a += q[qo + d] * keys[k + d];
            }
            scores[s] = a * scale;
        }
    }

    /**
     * {@link AttentionKernels#weightedValues}: out[oo + d] = Σ_{s &lt; count} p[s]·values[s·hd + d], in
     * key order; dimensions inside whole vectors by fused multiply-adds (four at a time), the rest by
     * rounded products (eight at a time), so several chains are in flight.
     */
    static void weightedValues(float[] p, int count, float[] values, int hd, float[] out, int oo) {
        int vectorDims = hd / L * L;
        int d = 0;
        for (; d + 4 <= vectorDims; d += 4) {
            float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f;
            for (int s = 0, row = d; s < count; s++, row += hd) {
                float ps = p[s];
                a0 = Math.fma(values[row], ps, a0);
                a1 = Math.fma(values[row + 1], ps, a1);
                a2 = Math.fma(values[row + 2], ps, a2);
                a3 = Math.fma(values[row + 3], ps, a3);
            }
            out[oo + d] = a0;
            out[oo + d + 1] = a1;
            out[oo + d + 2] = a2;
            out[oo + d + 3] = a3;
        }
        for (; d < vectorDims; d++) {
            float a = 0f;
            for (int s = 0, row = d; s < count; s++, row += hd) {
                a = Math.fma(values[row], p[s], a);
            }
            out[oo + d] = a;
        }
        for (; d + 8 <= hd; d += 8) { // rounded products: eight chains in flight, each dimension's sum in key order
            float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f, a4 = 0f, a5 = 0f, a6 = 0f, a7 = 0f;
            for (int s = 0, row = d; s < count; s++, row += hd) {
                float ps = p[s];
                a0 += ps * values[row];
                a1 += ps * values[row + 1];
                a2 += ps * values[row + 2];
                a3 += ps * values[row + 3];
                a4 += ps * values[row + 4];
                a5 += ps * values[row + 5];
                a6 += ps * values[row + 6];
                a7 += ps * values[row + 7];
            }
            out[oo + d] = a0;
            out[oo + d + 1] = a1;
            out[oo + d + 2] = a2;
            out[oo + d + 3] = a3;
            out[oo + d + 4] = a4;
            out[oo + d + 5] = a5;
            out[oo + d + 6] = a6;
            out[oo + d + 7] = a7;
        }
        for (; d < hd; d++) {
            float a = 0f;
            for (int s = 0; s < count; s++) {
                a += p[s] * values[s * hd + d];
            }
            out[oo + d] = a;
        }
    }
}
