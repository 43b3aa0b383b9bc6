package org.kvscope.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.kvscope.kv.KvCache;
import org.kvscope.kv.KvCacheType;
import org.kvscope.tensor.VectorOps;

/**
 * Decode attention over an F16 cache, split over (kv-head, slots) tasks, against naive attention in
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

    private static void check(KvCache c, int hd, int slots, String what) {
        float scale = (float) (1 / Math.sqrt(hd));
        SplittableRandom r = new SplittableRandom(slots);
        float[] q = new float[KV_HEADS * GROUP * hd];
        for (int i = 0; i < q.length; i++) {
            q[i] = (float) (2 * r.nextGaussian());
        }
        float[][] scores = new float[KV_HEADS * GROUP][AttentionKernels.stride(slots)];
        float[] out = new float[q.length];
        new DecodeAttention(hd, GROUP, KV_HEADS, scale).attend(1, c, q, scores, out);
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
                double ref = 0, norm = 0;
                for (int s = 0; s < n; s++) {
                    ref += p[s] / sum * values[s * hd + d];
                    norm += p[s] / sum * Math.abs(values[s * hd + d]);
                }
                assertEquals(ref, out[h * hd + d], 2e-5 * norm + 1e-6, what + " head " + h + " d " + d);
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

    @Test
    void anF16CacheThatStoredAnInfinityIsLeftToTheExactPath() {
        KvCache c = filled(KvCacheType.F16, 64, 4, 1);
        float[] k = new float[KV_HEADS * 64], v = new float[KV_HEADS * 64];
        k[70] = 1e6f; // beyond the largest half: stored as infinity, in kv-head 1
        KvCache big = KvCacheType.F16.newCache(LAYERS, KV_HEADS, 64, 8);
        big.append(1, 0, k, 0, v, 0);
        assertFalse(DecodeAttention.applies(big, 1, 64));
        assertEquals(L >= 8, DecodeAttention.applies(c, 1, 64));
        assertFalse(DecodeAttention.applies(KvCacheType.Q8_0.newCache(LAYERS, KV_HEADS, 64, 8), 1, 64));
        assertFalse(DecodeAttention.applies(KvCacheType.F32.newCache(LAYERS, KV_HEADS, 64, 8), 1, 64),
                "the exact cache keeps the per-head path");
    }
}
