package org.kvscope.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.kvscope.kv.KvCache;
import org.kvscope.tensor.VectorOps;

/**
 * Vector kernels for one attention head, with no horizontal sums in their inner loops.
 *
 * <p>Scores run across keys: with the keys transposed (dimension-major, {@link #transposeKeys}),
 * one vector holds the scores of L consecutive keys and each head dimension adds one broadcast
 * query element times one row of the transposed keys. Four such vectors are in flight, so the
 * fused multiply-adds do not wait on each other. Worth it when several queries share the
 * transposition, as in prefill; a single decode query keeps {@link VectorOps#dot} per key.
 *
 * <p>Prefill takes queries four at a time ({@link #scoresFour}, {@link #weightedValuesFour}): an
 * outer product blocked in registers like prefill's matrix products, so each vector loaded from
 * the keys or values serves four queries and the head's keys and values are read a quarter as
 * often.
 *
 * <p>Weighted values keep the output's vectors in registers over all keys, where
 * {@link VectorOps#axpy} would load and store them once per key. Keys are added in order, one
 * fused multiply-add each, so the result is the same, bit for bit, as the axpy loop's.
 *
 * <p>Every operation is lane-wise, so the results do not depend on how far the JIT has got.
 */
final class AttentionKernels {
    private static final VectorSpecies<Float> F = VectorOps.F;
    private static final int L = F.length();
    /** Keys per step of {@link #scores}: four vectors. */
    private static final int KEY_STEP = 4 * L;
    /** Queries from which {@link #scores} over transposed keys pays for the transposition. */
    static final int MIN_QUERIES = 4;
    /** Queries per block of {@link #scoresFour} and {@link #weightedValuesFour}. */
    static final int BLOCK = 4;
    private static final ThreadLocal<float[][]> KEYS_T = ThreadLocal.withInitial(() -> new float[1][0]);
    private static final ThreadLocal<float[][]> PACKED = ThreadLocal.withInitial(() -> new float[1][0]);

    private AttentionKernels() {}

    /** Row length of the transposed keys for {@code count} keys: count rounded up to {@link #KEY_STEP}. */
    static int stride(int count) {
        return (count + KEY_STEP - 1) / KEY_STEP * KEY_STEP;
    }

    /**
     * keys[s·hd + d] for s &lt; count, transposed into a per-thread buffer as t[d·stride + s]
     * with stride = {@link #stride}(count); the buffer is returned and is valid until this
     * thread's next call. Lanes past count hold stale values that {@link #scores} never reports.
     */
    static float[] transposeKeys(float[] keys, int count, int hd) {
        float[] t = grown(KEYS_T.get(), hd * stride(count));
        transposeKeys(keys, count, hd, t);
        return t;
    }

    /** {@link #transposeKeys(float[], int, int)} into t, of at least hd · {@link #stride}(count) floats. */
    static void transposeKeys(float[] keys, int count, int hd, float[] t) {
        int stride = stride(count);
        for (int s = 0; s < count; s++) {
            for (int d = 0, from = s * hd, to = s; d < hd; d++, to += stride) {
                t[to] = keys[from + d];
            }
        }
    }

    /** Whether {@link #weightedValuesFour} takes heads of {@code hd} dimensions: whole pairs of vectors. */
    static boolean fourFit(int hd) {
        return hd % (2 * L) == 0;
    }

    /**
     * rows[j·rowStride + s] = scale · q_j·k_s for the four queries q_j = q[qo + j·qStride ...]
     * and every key s &lt; keys, rounded up to two vectors: each query also gets scores for keys
     * past its own visible ones, which the caller must not use. rowStride ≥ keys rounded up to
     * {@link #stride}; keysT from {@link #transposeKeys} for at least {@code keys} keys.
     */
    static void scoresFour(float[] q, int qo, int qStride, float[] keysT, int stride, int hd, int keys, float scale,
                           float[] rows, int rowStride) {
        float[] packed = packed(BLOCK * hd);
        for (int j = 0; j < BLOCK; j++) {
            for (int d = 0; d < hd; d++) {
                packed[BLOCK * d + j] = q[qo + j * qStride + d] * scale;
            }
        }
        for (int s = 0; s < keys; s += 2 * L) {
            fourByTwoVectors(keysT, s, stride, packed, 0, hd, rows, s, rowStride);
        }
    }

    /**
     * out[oo + j·outStride + d] = Σ_{s &lt; keys} rows[j·rowStride + s]·values[s·hd + d] for the
     * four rows j and every d &lt; hd; hd must pass {@link #fourFit}.
     */
    static void weightedValuesFour(float[] rows, int rowStride, int keys, float[] values, int hd, float[] out, int oo,
                                   int outStride) {
        float[] packed = packed(BLOCK * keys);
        for (int j = 0; j < BLOCK; j++) {
            for (int s = 0, from = j * rowStride; s < keys; s++) {
                packed[BLOCK * s + j] = rows[from + s];
            }
        }
        for (int d = 0; d < hd; d += 2 * L) {
            fourByTwoVectors(values, d, hd, packed, 0, keys, out, oo + d, outStride);
        }
    }

    private static float[] packed(int n) {
        return grown(PACKED.get(), n);
    }

    /**
     * holder[0], replaced first by an array of at least n floats if shorter: twice the old length
     * when that is more, so a buffer that follows a prefill's 256-token chunks to a depth of
     * thousands is reallocated a few times, not once per chunk (each dead copy is garbage of its
     * full size, mostly straight in the old generation).
     */
    private static float[] grown(float[][] holder, int n) {
        if (holder[0].length < n) {
            holder[0] = new float[(int) Math.min(Integer.MAX_VALUE - 8, Math.max(n, 2L * holder[0].length))];
        }
        return holder[0];
    }

    /**
     * scores[s] = scale · Σ_d q[qo + d]·keys[s][d] for s &lt; visible, from the keys transposed
     * by {@link #transposeKeys} for at least {@code visible} keys.
     */
    static void scores(float[] q, int qo, float[] keysT, int stride, int hd, int visible, float scale,
                       float[] scores) {
        int s = 0;
        for (; s + KEY_STEP <= visible; s += KEY_STEP) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int d = 0, row = s; d < hd; d++, row += stride) {
                FloatVector qd = FloatVector.broadcast(F, q[qo + d]);
                a0 = FloatVector.fromArray(F, keysT, row).fma(qd, a0);
                a1 = FloatVector.fromArray(F, keysT, row + L).fma(qd, a1);
                a2 = FloatVector.fromArray(F, keysT, row + 2 * L).fma(qd, a2);
                a3 = FloatVector.fromArray(F, keysT, row + 3 * L).fma(qd, a3);
            }
            a0.mul(scale).intoArray(scores, s);
            a1.mul(scale).intoArray(scores, s + L);
            a2.mul(scale).intoArray(scores, s + 2 * L);
            a3.mul(scale).intoArray(scores, s + 3 * L);
        }
        for (; s + L <= visible; s += L) {
            blockScores(q, qo, keysT, stride, hd, s, scale).intoArray(scores, s);
        }
        if (s < visible) { // the last, partial block: its lanes exist in keysT (stride is whole steps)
            FloatVector v = blockScores(q, qo, keysT, stride, hd, s, scale);
            for (int i = 0; s + i < visible; i++) {
                scores[s + i] = v.lane(i);
            }
        }
    }

    /** One vector of scores from key s on: four chains over the head dimensions mod 4, then summed. */
    private static FloatVector blockScores(float[] q, int qo, float[] keysT, int stride, int hd, int s, float scale) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int d = 0;
        for (int row = s; d + 4 <= hd; d += 4, row += 4 * stride) {
            a0 = FloatVector.fromArray(F, keysT, row).fma(FloatVector.broadcast(F, q[qo + d]), a0);
            a1 = FloatVector.fromArray(F, keysT, row + stride).fma(FloatVector.broadcast(F, q[qo + d + 1]), a1);
            a2 = FloatVector.fromArray(F, keysT, row + 2 * stride).fma(FloatVector.broadcast(F, q[qo + d + 2]), a2);
            a3 = FloatVector.fromArray(F, keysT, row + 3 * stride).fma(FloatVector.broadcast(F, q[qo + d + 3]), a3);
        }
        for (; d < hd; d++) {
            a0 = FloatVector.fromArray(F, keysT, d * stride + s).fma(FloatVector.broadcast(F, q[qo + d]), a0);
        }
        return a0.add(a1).add(a2.add(a3)).mul(scale);
    }

    /**
     * out[oo + d] = Σ_s p[s]·values[s·hd + d] for d &lt; hd, over s &lt; count in order, each
     * term one fused multiply-add on whole vectors: equal, bit for bit, to zeroing out and calling
     * axpy per key.
     */
    static void weightedValues(float[] p, int count, float[] values, int hd, float[] out, int oo) {
        weightedValues(p, 0, count, values, 0, hd, out, oo, false);
    }

    /**
     * {@link #weightedValues} for p[po ..] and the value rows from values[vo] on, adding to out's
     * values instead of replacing them when {@code accumulate}.
     */
    static void weightedValues(float[] p, int po, int count, float[] values, int vo, int hd, float[] out, int oo,
                               boolean accumulate) {
        int d = 0;
        for (; d + 4 * L <= hd; d += 4 * L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            if (accumulate) {
                a0 = FloatVector.fromArray(F, out, oo + d);
                a1 = FloatVector.fromArray(F, out, oo + d + L);
                a2 = FloatVector.fromArray(F, out, oo + d + 2 * L);
                a3 = FloatVector.fromArray(F, out, oo + d + 3 * L);
            }
            for (int s = 0, row = vo + d; s < count; s++, row += hd) {
                FloatVector ps = FloatVector.broadcast(F, p[po + s]);
                a0 = FloatVector.fromArray(F, values, row).fma(ps, a0);
                a1 = FloatVector.fromArray(F, values, row + L).fma(ps, a1);
                a2 = FloatVector.fromArray(F, values, row + 2 * L).fma(ps, a2);
                a3 = FloatVector.fromArray(F, values, row + 3 * L).fma(ps, a3);
            }
            a0.intoArray(out, oo + d);
            a1.intoArray(out, oo + d + L);
            a2.intoArray(out, oo + d + 2 * L);
            a3.intoArray(out, oo + d + 3 * L);
        }
        for (; d + L <= hd; d += L) {
            FloatVector a = accumulate ? FloatVector.fromArray(F, out, oo + d) : FloatVector.zero(F);
            for (int s = 0, row = vo + d; s < count; s++, row += hd) {
                a = FloatVector.fromArray(F, values, row).fma(FloatVector.broadcast(F, p[po + s]), a);
            }
            a.intoArray(out, oo + d);
        }
        // the dimensions past whole vectors (all of a head smaller than a vector): four independent sums per pass
        for (; d + 4 <= hd; d += 4) {
            float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f;
            if (accumulate) {
                a0 = out[oo + d];
                a1 = out[oo + d + 1];
                a2 = out[oo + d + 2];
                a3 = out[oo + d + 3];
            }
            for (int s = 0, row = vo + d; s < count; s++, row += hd) {
                float ps = p[po + s];
                a0 += ps * values[row];
                a1 += ps * values[row + 1];
                a2 += ps * values[row + 2];
                a3 += ps * values[row + 3];
            }
            out[oo + d] = a0;
            out[oo + d + 1] = a1;
            out[oo + d + 2] = a2;
            out[oo + d + 3] = a3;
        }
        for (; d < hd; d++) {
            float a = accumulate ? out[oo + d] : 0f;
            for (int s = 0; s < count; s++) {
                a += p[po + s] * values[vo + s * hd + d];
            }
            out[oo + d] = a;
        }
    }

    /** Slots decoded per tile by the compact-cache kernels: 16 KiB of floats, well inside L1. */
    private static final int TILE_FLOATS = 4096;
    private static final ThreadLocal<float[][]> TILE = ThreadLocal.withInitial(() -> new float[1][0]);

    /** Slots per tile for heads of {@code hd} dimensions. */
    private static int tileSlots(int hd) {
        return Math.max(1, TILE_FLOATS / hd);
    }

    /** This thread's tile buffer of at least n floats. */
    private static float[] tile(int n) {
        float[][] holder = TILE.get();
        if (holder[0].length < n) {
            holder[0] = new float[n];
        }
        return holder[0];
    }

    /**
     * {@link #scores} for a cache of any {@link KvCache#type}: scores[s] = scale · q·k_s for
     * s &lt; visible, the keys decoded a tile at a time into an L1-sized buffer and dotted there,
     * so a compact cache is read once, at its own size, per query.
     */
    static void scoresTiled(float[] q, int qo, KvCache cache, int layer, int kvHead, int visible, float scale,
                            float[] scores) {
        int hd = cache.headDim(), per = tileSlots(hd);
        float[] tile = tile(per * hd);
        for (int s0 = 0; s0 < visible; s0 += per) {
            int count = Math.min(per, visible - s0);
            cache.readKeys(layer, kvHead, s0, count, tile, 0);
            for (int s = 0; s < count; s++) {
                scores[s0 + s] = VectorOps.dot(q, qo, tile, s * hd, hd) * scale;
            }
        }
    }

    /**
     * {@link #weightedValues} for a cache of any {@link KvCache#type}: out[oo + d] = Σ_s p[s]·v_s[d]
     * over s &lt; count, the values decoded a tile at a time.
     */
    static void weightedValuesTiled(float[] p, int count, KvCache cache, int layer, int kvHead, float[] out, int oo) {
        int hd = cache.headDim(), per = tileSlots(hd);
        float[] tile = tile(per * hd);
        for (int s0 = 0; s0 < count; s0 += per) {
            int n = Math.min(per, count - s0);
            cache.readValues(layer, kvHead, s0, n, tile, 0);
            weightedValues(p, s0, n, tile, 0, hd, out, oo, s0 > 0);
        }
        if (count == 0) {
            java.util.Arrays.fill(out, oo, oo + hd, 0f);
        }
    }

    private static final ThreadLocal<float[][]> HEAD = ThreadLocal.withInitial(() -> new float[2][0]);

    /**
     * The first {@code count} slots' keys and values of one head decoded into this thread's two
     * buffers, {keys, values}: for prefill, whose blocked kernels take whole float heads. Valid
     * until this thread's next call.
     */
    static float[][] decodedHead(KvCache cache, int layer, int kvHead, int count) {
        int n = count * cache.headDim();
        float[][] head = HEAD.get();
        if (head[0].length < n) { // doubling, up to the whole head
            int size = (int) Math.max(n, Math.min(2L * head[0].length, (long) cache.capacity() * cache.headDim()));
            head[0] = new float[size];
            head[1] = new float[size];
        }
        cache.readKeys(layer, kvHead, 0, count, head[0], 0);
        cache.readValues(layer, kvHead, 0, count, head[1], 0);
        return head;
    }

    /**
     * out[o + j·outStride + i] = Σ_{k &lt; n} a[ao + k·aStride + i] · packed[po + 4k + j] for
     * j &lt; 4 and i &lt; 2·L (L = {@link VectorOps#F}'s lanes): a's rows of two vectors, times
     * four vectors interleaved element by element in packed. Eight accumulators, two vectors of
     * a and four broadcasts: 14 vector registers, so AVX2's 16 suffice however the JIT orders
     * the loads. The same shape as {@code FloatTensor}'s matmul kernel, which keeps its own copy
     * with a constant stride: this one in its place made prefill slower (docs/BENCHMARKS.md,
     * fifth session).
     */
    private static void fourByTwoVectors(float[] a, int ao, int aStride, float[] packed, int po, int n,
                                        float[] out, int o, int outStride) {
        int L = F.length();
        FloatVector a0 = FloatVector.zero(F), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
        int k = 0, wi = ao, xi = po;
        for (; k < n; k++, wi += aStride, xi += BLOCK) {
            FloatVector w0 = FloatVector.fromArray(F, a, wi);
            FloatVector w1 = FloatVector.fromArray(F, a, wi + L);
            FloatVector v = FloatVector.broadcast(F, packed[xi]);
            a0 = w0.fma(v, a0);
            b0 = w1.fma(v, b0);
            v = FloatVector.broadcast(F, packed[xi + 1]);
            a1 = w0.fma(v, a1);
            b1 = w1.fma(v, b1);
            v = FloatVector.broadcast(F, packed[xi + 2]);
            a2 = w0.fma(v, a2);
            b2 = w1.fma(v, b2);
            v = FloatVector.broadcast(F, packed[xi + 3]);
            a3 = w0.fma(v, a3);
            b3 = w1.fma(v, b3);
        }
        a0.intoArray(out, o);
        b0.intoArray(out, o + L);
        a1.intoArray(out, o + outStride);
        b1.intoArray(out, o + outStride + L);
        a2.intoArray(out, o + 2 * outStride);
        b2.intoArray(out, o + 2 * outStride + L);
        a3.intoArray(out, o + 3 * outStride);
        b3.intoArray(out, o + 3 * outStride + L);
    }
}
