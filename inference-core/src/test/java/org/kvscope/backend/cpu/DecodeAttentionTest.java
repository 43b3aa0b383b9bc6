package org.kvscope.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kvscope.kv.CompactKvCache;
import org.kvscope.kv.KvCache;
import org.kvscope.kv.KvCacheType;
import org.kvscope.tensor.VectorOps;

/**
 * Decode attention over an F16, Q8_0 or Q4_0 cache, split over (kv-head, slots) tasks, against naive attention in
 * double precision over the cache's vectors as floats, at every vector width (where the kernel
 * does not apply, that it says so).
 */
class DecodeAttentionTest {
    private static final int L = VectorOps.F.length();
    private static final int LAYERS = 2, KV_HEADS = 3, GROUP = 3;

    private static KvCache filled(KvCacheType type, int hd, int slots, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        KvCache c = type.newCache(LAYERS, KV_HEADS, hd, slots);
        float[] k = new float[KV_HEADS * hd], v = new float[KV_HEADS * hd];
        for (int p = 0; p < slots; p++) {
            for (int i = 0; i < k.length; i++) {
                k[i] = (float) r.nextGaussian();
                v[i] = (float) r.nextGaussian();
            }
            c.append(1, p, k, 0, v, 0);
        }
        return c;
    }

    @Test
    void matchesNaiveAttentionOverTheF16CacheWithUnevenHeads() {
        int[] headDims = L < 8 ? new int[] {64} : new int[] {L, 64, 3 * L, 128};
        int[] slotCounts = {1, 5, L, L + 1, 150, 700};
        for (int hd : headDims) {
            for (int slots : slotCounts) {
                KvCache c = filled(KvCacheType.F16, hd, slots, hd * 977L + slots);
                if (slots > 2) { // kv-head 2 keeps every other slot: heads of different lengths
                    c.retain(1, 2, IntStream.range(0, slots).filter(s -> s % 2 == 0).toArray());
                }
                if (L < 8) {
                    assertFalse(DecodeAttention.applies(c, 1, hd), "needs 8 or 16 lanes");
                    continue;
                }
                assertTrue(DecodeAttention.applies(c, 1, hd), "hd " + hd);
                check(c, hd, slots, "hd " + hd + " slots " + slots);
            }
        }
    }

    /**
     * Q8_0 and Q4_0 caches: against naive attention over the cache's own decoded vectors (the
     * kernel's arithmetic), and against the same keys and values in an F32 cache within the
     * quantization's error (what the compact cache costs in accuracy).
     */
    @ParameterizedTest
    @EnumSource(value = KvCacheType.class, names = {"Q8_0", "Q4_0"})
    void matchesNaiveAttentionOverABlockCacheAndTheExactCacheWithinItsQuantization(KvCacheType type) {
        int[] headDims = L < 8 ? new int[] {64} : new int[] {64, 128};
        // relative RMS error of the outputs: a Q8_0 step is 1/127 of a block's largest value, a Q4_0 step 1/8
        double tolerance = type == KvCacheType.Q8_0 ? 0.03 : 0.3;
        for (int hd : headDims) {
            for (int slots : new int[] {1, L + 3, 150, 700}) {
                KvCache c = filled(type, hd, slots, hd * 31L + slots);
                if (L < 8) {
                    assertFalse(DecodeAttention.applies(c, 1, hd), "needs 8 or 16 lanes");
                    continue;
                }
                assertTrue(DecodeAttention.applies(c, 1, hd), type + " hd " + hd);
                String what = type + " hd " + hd + " slots " + slots;
                check(c, hd, slots, what);
                float[] q = query(hd, slots);
                double[] exact = naive(filled(KvCacheType.F32, hd, slots, hd * 31L + slots), hd, q)[0];
                float[] compact = decode(c, hd, slots, q);
                double error = 0, norm = 0;
                for (int i = 0; i < exact.length; i++) {
                    error += (exact[i] - compact[i]) * (exact[i] - compact[i]);
                    norm += exact[i] * exact[i];
                }
                double relative = Math.sqrt(error / norm);
                assertTrue(relative <= tolerance, what + ": relative RMS error " + relative + " against the F32 cache");
            }
        }
    }

    private static float[] query(int hd, int slots) {
        SplittableRandom r = new SplittableRandom(slots);
        float[] q = new float[KV_HEADS * GROUP * hd];
        for (int i = 0; i < q.length; i++) {
            q[i] = (float) (2 * r.nextGaussian());
        }
        return q;
    }

    private static float[] decode(KvCache c, int hd, int slots, float[] q) {
        float[][] scores = new float[KV_HEADS * GROUP][AttentionKernels.stride(slots)];
        float[] out = new float[q.length];
        new DecodeAttention(hd, GROUP, KV_HEADS, (float) (1 / Math.sqrt(hd))).attend(1, c, q, scores, out);
        return out;
    }

    /**
     * Attention in double precision over the cache's vectors as floats: {outputs, and per output
     * Σ weight·|value|, the scale of its rounding error}.
     */
    private static double[][] naive(KvCache c, int hd, float[] q) {
        float scale = (float) (1 / Math.sqrt(hd));
        double[] out = new double[q.length], norms = new double[q.length];
        for (int h = 0; h < KV_HEADS * GROUP; h++) {
            int kvh = h / GROUP, n = c.size(1, kvh);
            float[] keys = c.keys(1, kvh), values = c.values(1, kvh);
            double[] p = new double[n];
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int s = 0; s < n; s++) {
                for (int d = 0; d < hd; d++) {
                    p[s] += (double) q[h * hd + d] * keys[s * hd + d];
                }
                p[s] *= scale;
                max = Math.max(max, p[s]);
            }
            for (int s = 0; s < n; s++) {
                p[s] = Math.exp(p[s] - max);
                sum += p[s];
            }
            for (int d = 0; d < hd; d++) {
                for (int s = 0; s < n; s++) {
                    out[h * hd + d] += p[s] / sum * values[s * hd + d];
                    norms[h * hd + d] += p[s] / sum * Math.abs(values[s * hd + d]);
                }
            }
        }
        return new double[][] {out, norms};
    }

    private static void check(KvCache c, int hd, int slots, String what) {
        float[] q = query(hd, slots);
        float[] out = decode(c, hd, slots, q);
        double[][] ref = naive(c, hd, q);
        for (int i = 0; i < out.length; i++) {
            assertEquals(ref[0][i], out[i], 2e-5 * ref[1][i] + 1e-6, what + " head " + i / hd + " d " + i % hd);
        }
    }

    /**
     * The kernels over an F16 cache's transposed key blocks sum in {@link DecodeAttention#pairSums}'s
     * order: the same scores bit for bit as the row-major kernel on the same keys, at every head size.
     */
    @Test
    void transposedScoresEqualTheRowMajorKernelsBitForBit() {
        if (L < 8) {
            return; // neither kernel runs
        }
        SplittableRandom r = new SplittableRandom(12);
        for (int hd : new int[] {L, 64, 3 * L, 128}) {
            for (int trial = 0; trial < 20; trial++) {
                float[] rows = new float[L * hd], transposed = new float[L * hd], q = new float[hd];
                for (int i = 0; i < rows.length; i++) {
                    rows[i] = (float) (r.nextGaussian() * (i % 5 == 0 ? 8 : 1));
                }
                for (int d = 0; d < hd; d++) {
                    q[d] = (float) r.nextGaussian();
                    for (int i = 0; i < L; i++) {
                        transposed[d * L + i] = rows[i * hd + d];
                    }
                }
                float[] expected = new float[L], got = new float[L];
                DecodeAttention.pairSums(rows, 0, hd, q, 0, new float[L * L], expected, 0);
                if (L == 16) {
                    DecodeAttention.scores16(transposed, hd, q, 0, got, 0);
                } else {
                    DecodeAttention.scores8(transposed, hd, q, 0, got, 0);
                }
                for (int i = 0; i < L; i++) {
                    assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(got[i]),
                            "hd " + hd + " trial " + trial + " key " + i + ": " + expected[i] + " vs " + got[i]);
                }
            }
        }
    }

    @Test
    void everyFiniteHalfConvertsExactly() {
        if (L < 8) {
            return; // the conversion runs only where the kernel applies
        }
        short[] halves = new short[65536];
        for (int i = 0; i < halves.length; i++) {
            halves[i] = (short) i;
        }
        float[] floats = new float[halves.length];
        DecodeAttention.halvesToFloats(halves, 0, halves.length, floats);
        for (int i = 0; i < halves.length; i++) {
            if ((i & 0x7c00) != 0x7c00) {
                assertEquals(Float.floatToRawIntBits(Float.float16ToFloat(halves[i])), Float.floatToRawIntBits(floats[i]),
                        "half 0x" + Integer.toHexString(i));
            }
        }
    }

    /**
     * {@link DecodeAttention#attendAppending} (each kv-head's new key and value stored by the task that reads them)
     * gives append-then-{@link DecodeAttention#attend}'s outputs bit for bit and leaves the same cache, over every
     * compact type, heads of uneven lengths and an empty cache.
     */
    @ParameterizedTest
    @EnumSource(value = KvCacheType.class, names = {"F16", "Q8_0", "Q4_0"})
    void appendingInTheLoopEqualsAppendingFirstBitForBit(KvCacheType type) {
        if (L < 8) {
            return; // the kernel does not apply
        }
        for (int hd : new int[] {64, 128}) {
            for (int slots : new int[] {0, 1, L - 1, L, 150, 700}) {
                KvCache first = filled(type, hd, slots + 1, hd * 13L + slots), inLoop = filled(type, hd, slots + 1,
                        hd * 13L + slots);
                float[] k = new float[KV_HEADS * hd], v = new float[KV_HEADS * hd];
                SplittableRandom r = new SplittableRandom(slots);
                for (int i = 0; i < k.length; i++) {
                    k[i] = (float) r.nextGaussian();
                    v[i] = (float) r.nextGaussian();
                }
                for (KvCache c : new KvCache[] {first, inLoop}) { // the last slot dropped: the token's comes after a gap
                    c.retain(1, 0, IntStream.range(0, slots).toArray());
                    c.retain(1, 1, IntStream.range(0, slots).toArray());
                    c.retain(1, 2, IntStream.range(0, slots).filter(s -> s % 3 != 1).toArray());
                }
                int position = slots + 5;
                assertTrue(DecodeAttention.appliesAfterAppend(inLoop, 1, hd, position, k, v, k.length));
                first.append(1, position, k, 0, v, 0);
                float[] q = query(hd, slots);
                float[] expected = new float[q.length], out = new float[q.length];
                float[][] scores = new float[KV_HEADS * GROUP][AttentionKernels.stride(slots + 1)];
                DecodeAttention attention = new DecodeAttention(hd, GROUP, KV_HEADS, (float) (1 / Math.sqrt(hd)));
                attention.attend(1, first, q, scores, expected);
                attention.attendAppending(1, (CompactKvCache) inLoop, position, k, v, q, scores, out);
                String what = type + " hd " + hd + " slots " + slots;
                for (int i = 0; i < out.length; i++) {
                    assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(out[i]), what + " " + i);
                }
                for (int h = 0; h < KV_HEADS; h++) {
                    assertEquals(first.size(1, h), inLoop.size(1, h), what);
                    assertArrayEquals(first.positions(1, h), inLoop.positions(1, h), what);
                    assertArrayEquals(first.keys(1, h), inLoop.keys(1, h), what);
                    assertArrayEquals(first.values(1, h), inLoop.values(1, h), what);
                }
            }
        }
    }

    /**
     * {@link DecodeAttention#appliesAfterAppend} says what {@link DecodeAttention#applies} says once the token is
     * appended: an F16 cache is left to the exact path by a key or value that rounds to an infinity or NaN
     * ({@link DecodeAttention#finiteAsHalves} agrees with {@link Float#floatToFloat16} around the largest half).
     */
    @Test
    void appliesAfterAppendSaysWhatAppliesSaysOnceAppended() {
        for (int bits = Float.floatToRawIntBits(65000f); bits <= Float.floatToRawIntBits(66000f); bits++) {
            for (float x : new float[] {Float.intBitsToFloat(bits), -Float.intBitsToFloat(bits)}) {
                assertEquals((Float.floatToFloat16(x) & 0x7c00) != 0x7c00, DecodeAttention.finiteAsHalves(new float[] {x}, 1),
                        "x " + x);
            }
        }
        for (float x : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 65504f, 65519.996f,
                65520f, 1e6f, 0f, -0f, Float.MIN_VALUE}) {
            for (KvCacheType type : new KvCacheType[] {KvCacheType.F16, KvCacheType.Q8_0}) {
                for (boolean key : new boolean[] {true, false}) {
                    KvCache c = filled(type, 64, 4, 1);
                    for (int h = 0; h < KV_HEADS; h++) {
                        c.retain(1, h, new int[] {0, 1, 2});
                    }
                    float[] k = new float[KV_HEADS * 64], v = new float[KV_HEADS * 64];
                    (key ? k : v)[70] = x;
                    boolean predicted = DecodeAttention.appliesAfterAppend(c, 1, 64, 4, k, v, k.length);
                    c.append(1, 4, k, 0, v, 0);
                    assertEquals(DecodeAttention.applies(c, 1, 64), predicted, type + " " + (key ? "key " : "value ") + x);
                }
            }
        }
    }

    /**
     * A token that cannot be appended (a full kv-head, or a position not after a head's last) is left to the caller's
     * own append, which reports it before any head is written, instead of failing inside the loop's tasks.
     */
    @Test
    void aTokenThatCannotBeAppendedIsLeftToTheCallersAppend() {
        float[] k = new float[KV_HEADS * 64], v = new float[KV_HEADS * 64];
        for (KvCacheType type : new KvCacheType[] {KvCacheType.F16, KvCacheType.Q8_0}) {
            KvCache room = type.newCache(LAYERS, KV_HEADS, 64, 2);
            room.append(1, 7, k, 0, v, 0);
            assertEquals(L >= 8, DecodeAttention.appliesAfterAppend(room, 1, 64, 8, k, v, k.length), type + " room");
            assertFalse(DecodeAttention.appliesAfterAppend(room, 1, 64, 7, k, v, k.length), type + " same position");
            assertFalse(DecodeAttention.appliesAfterAppend(room, 1, 64, 3, k, v, k.length), type + " earlier position");
            room.append(1, 8, k, 0, v, 0);
            assertFalse(DecodeAttention.appliesAfterAppend(room, 1, 64, 9, k, v, k.length), type + " full");
        }
    }

    @Test
    void anF16CacheThatStoredAnInfinityIsLeftToTheExactPath() {
        KvCache c = filled(KvCacheType.F16, 64, 4, 1);
        float[] k = new float[KV_HEADS * 64], v = new float[KV_HEADS * 64];
        k[70] = 1e6f; // beyond the largest half: stored as infinity, in kv-head 1
        KvCache big = KvCacheType.F16.newCache(LAYERS, KV_HEADS, 64, 8);
        big.append(1, 0, k, 0, v, 0);
        assertFalse(DecodeAttention.applies(big, 1, 64));
        assertEquals(L >= 8, DecodeAttention.applies(c, 1, 64));
        assertEquals(L >= 8, DecodeAttention.applies(KvCacheType.Q8_0.newCache(LAYERS, KV_HEADS, 64, 8), 1, 64),
                "block caches hold no infinities to fear");
        assertFalse(DecodeAttention.applies(KvCacheType.F32.newCache(LAYERS, KV_HEADS, 64, 8), 1, 64),
                "the exact cache keeps the per-head path");
    }
}
