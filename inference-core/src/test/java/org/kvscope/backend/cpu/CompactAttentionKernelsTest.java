package org.kvscope.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kvscope.kv.KvCache;
import org.kvscope.kv.KvCacheType;

/**
 * The tiled decode kernels and the decoded-head reader, for every cache type, against naive
 * attention in double precision over the cache's vectors dequantized to floats.
 */
class CompactAttentionKernelsTest {
    /** Head sizes: whole blocks, one short block (stories260K), blocks and a tail; key counts across tiles. */
    private static final int[] HEAD_DIMS = {64, 8, 40};
    private static final int[] KEY_COUNTS = {1, 7, 64, 65, 150, 700};

    private static KvCache filled(KvCacheType type, int hd, int keys, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        KvCache c = type.newCache(2, 2, hd, keys);
        float[] k = new float[2 * hd], v = new float[2 * hd];
        for (int p = 0; p < keys; p++) {
            for (int i = 0; i < k.length; i++) {
                k[i] = (float) r.nextGaussian();
                v[i] = (float) r.nextGaussian();
            }
            c.append(1, p, k, 0, v, 0);
        }
        return c;
    }

    @ParameterizedTest
    @EnumSource(KvCacheType.class)
    void tiledScoresAndWeightedValuesMatchNaiveAttentionOverTheDequantizedCache(KvCacheType type) {
        float scale = 0.25f;
        for (int hd : HEAD_DIMS) {
            for (int visible : KEY_COUNTS) {
                KvCache c = filled(type, hd, visible + 3, hd * 31L + visible);
                float[] keys = c.keys(1, 1), values = c.values(1, 1); // the naive reader: whole vectors as floats
                SplittableRandom r = new SplittableRandom(visible);
                float[] q = new float[hd + 5];
                for (int i = 0; i < q.length; i++) {
                    q[i] = (float) r.nextGaussian();
                }
                float[] scores = new float[visible];
                AttentionKernels.scoresTiled(q, 5, c, 1, 1, visible, scale, scores);
                double[] p = new double[visible];
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int s = 0; s < visible; s++) {
                    double dot = 0, norm = 0;
                    for (int d = 0; d < hd; d++) {
                        dot += (double) q[5 + d] * keys[s * hd + d];
                        norm += Math.abs((double) q[5 + d] * keys[s * hd + d]);
                    }
                    assertEquals(dot * scale, scores[s], 1e-5 * norm * scale + 1e-7, type + " hd " + hd + " score " + s);
                    p[s] = dot * scale;
                    max = Math.max(max, p[s]);
                }
                float[] weights = new float[visible];
                for (int s = 0; s < visible; s++) {
                    p[s] = Math.exp(p[s] - max);
                    sum += p[s];
                }
                for (int s = 0; s < visible; s++) {
                    p[s] /= sum;
                    weights[s] = (float) p[s];
                }
                float[] out = new float[hd + 4];
                out[1] = out[hd + 2] = 42f;
                AttentionKernels.weightedValuesTiled(weights, visible, c, 1, 1, out, 2);
                for (int d = 0; d < hd; d++) {
                    double ref = 0, norm = 0;
                    for (int s = 0; s < visible; s++) {
                        ref += weights[s] * (double) values[s * hd + d];
                        norm += Math.abs(weights[s] * (double) values[s * hd + d]);
                    }
                    assertEquals(ref, out[2 + d], 1e-5 * norm + 1e-7, type + " hd " + hd + " keys " + visible + " d " + d);
                }
                assertEquals(42f, out[1], "nothing written before the head's place");
                assertEquals(42f, out[hd + 2], "nothing written after it");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(KvCacheType.class)
    void decodedHeadIsTheCachesVectorsAsFloats(KvCacheType type) {
        KvCache c = filled(type, 40, 90, 5);
        float[][] head = AttentionKernels.decodedHead(c, 1, 0, 90);
        float[] keys = c.keys(1, 0), values = c.values(1, 0);
        for (int i = 0; i < 90 * 40; i++) {
            assertEquals(keys[i], head[0][i], 0f, "key element " + i);
            assertEquals(values[i], head[1][i], 0f, "value element " + i);
        }
    }
}
