package org.kvscope.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kvscope.kv.KvCache;
import org.kvscope.kv.KvCacheType;
import org.kvscope.tensor.NativeAttention;
import org.kvscope.tensor.NativeKernels;
import org.kvscope.tensor.NativeLevels;
import org.kvscope.tensor.VectorOps;

/**
 * The native F16-cache decode attention ({@link NativeAttention}) gives the Java path's outputs bit for bit at
 * every instruction-set level (scalar, AVX2, AVX-512, forced in turn): heads of 64, 80 and 128 dimensions,
 * groups of 1 to 5 query heads, runs that start and end inside key blocks, heads of different lengths,
 * keys and values with subnormal, tiny and large halves.
 */
@ExtendWith(NativeLevels.class)
class DecodeAttentionNativeTest {
    private static final int L = VectorOps.F.length();
    private static final int LAYERS = 2;

    @Test
    void everyLevelGivesTheJavaPathsOutputsBitForBit() {
        assumeTrue(L >= 8, "the decode attention kernel needs 8 or 16 lanes");
        int[][] shapes = {{64, 3, 3}, {64, 8, 4}, {80, 2, 5}, {128, 1, 2}, {64, 5, 1}}; // hd, kv-heads, group
        int[] slotCounts = {1, 7, 16, 17, 40, 333, 2051};
        for (int[] shape : shapes) {
            int hd = shape[0], kvHeads = shape[1], group = shape[2];
            if (hd % L != 0) {
                continue;
            }
            for (int slots : slotCounts) {
                KvCache c = filled(hd, kvHeads, slots, 31L * slots + hd);
                if (slots > 2) { // kv-head 0 keeps two slots in three: heads of different lengths
                    c.retain(1, 0, IntStream.range(0, slots).filter(s -> s % 3 != 1).toArray());
                }
                float[] q = query(kvHeads * group * hd, slots);
                NativeKernels.use("java");
                float[] expected = decode(c, hd, kvHeads, group, slots, q);
                NativeKernels.use("native");
                for (int level = 0; level <= 2; level++) {
                    int used = NativeLevels.limit(level);
                    if (used < level) {
                        break; // the CPU lacks it
                    }
                    float[] out = decode(c, hd, kvHeads, group, slots, q);
                    for (int i = 0; i < out.length; i++) {
                        assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(out[i]),
                                () -> "level " + used + " hd " + hd + " group " + group + " slots " + slots);
                    }
                }
                NativeLevels.limit(Integer.MAX_VALUE);
            }
        }
    }

    private static KvCache filled(int hd, int kvHeads, int slots, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        KvCache c = KvCacheType.F16.newCache(LAYERS, kvHeads, hd, slots);
        float[] k = new float[kvHeads * hd], v = new float[kvHeads * hd];
        for (int p = 0; p < slots; p++) {
            for (int i = 0; i < k.length; i++) {
                k[i] = value(r);
                v[i] = value(r);
            }
            c.append(1, p, k, 0, v, 0);
        }
        return c;
    }

    /** Mostly Gaussian; one in 50 a subnormal half, one in 50 a large one (up to 3,000). */
    private static float value(SplittableRandom r) {
        int kind = r.nextInt(50);
        if (kind == 0) {
            return (float) (r.nextGaussian() * 3e-6);
        }
        if (kind == 1) {
            return (float) (r.nextGaussian() * 1000);
        }
        return (float) r.nextGaussian();
    }

    private static float[] query(int n, int slots) {
        SplittableRandom r = new SplittableRandom(slots * 7L + n);
        float[] q = new float[n];
        for (int i = 0; i < n; i++) {
            q[i] = (float) (0.05 * r.nextGaussian());
        }
        return q;
    }

    private static float[] decode(KvCache c, int hd, int kvHeads, int group, int slots, float[] q) {
        float[][] scores = new float[kvHeads * group][AttentionKernels.stride(slots)];
        float[] out = new float[q.length];
        assertEquals(true, DecodeAttention.applies(c, 1, hd));
        new DecodeAttention(hd, group, kvHeads, (float) (1 / Math.sqrt(hd))).attend(1, c, q, scores, out);
        return out;
    }
}
