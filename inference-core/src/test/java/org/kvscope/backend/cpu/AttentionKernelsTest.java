package org.kvscope.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.kvscope.tensor.VectorOps;

/** The attention kernels against plain references, over head sizes and key counts that hit every tail. */
class AttentionKernelsTest {
    private static final int L = VectorOps.F.length();
    private static final int[] HEAD_DIMS = {1, 6, 8, 64, 80, 128};
    private static final int[] KEY_COUNTS = {1, 3, L - 1, L, 4 * L, 4 * L + 3, 5 * L + 1, 150};

    private static float[] gaussian(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return x;
    }

    @Test
    void scoresMatchADoublePrecisionReferenceAndWriteNothingPastTheVisibleKeys() {
        float scale = 0.125f;
        for (int hd : HEAD_DIMS) {
            for (int visible : KEY_COUNTS) {
                int count = visible + 5; // keys the transposition holds beyond those this query sees
                float[] keys = gaussian(count * hd, hd * 1000L + visible);
                float[] q = gaussian(hd + 3, visible);
                float[] keysT = AttentionKernels.transposeKeys(keys, count, hd);
                float[] scores = new float[count + 4 * L];
                Arrays.fill(scores, Float.NaN);
                AttentionKernels.scores(q, 3, keysT, AttentionKernels.stride(count), hd, visible, scale, scores);
                for (int s = 0; s < visible; s++) {
                    double ref = 0, norm = 0;
                    for (int d = 0; d < hd; d++) {
                        ref += (double) q[3 + d] * keys[s * hd + d];
                        norm += Math.abs((double) q[3 + d] * keys[s * hd + d]);
                    }
                    assertEquals(scale * ref, scores[s], 1e-6 * scale * norm + 1e-7, "hd " + hd + " visible " + visible + " key " + s);
                }
                for (int s = visible; s < scores.length; s++) {
                    assertTrue(Float.isNaN(scores[s]), "hd " + hd + " visible " + visible + ": wrote slot " + s);
                }
            }
        }
    }

    @Test
    void transposedKeysAreDimensionMajorWithWholeVectorStrides() {
        float[] keys = gaussian(7 * 5, 1);
        float[] t = AttentionKernels.transposeKeys(keys, 7, 5);
        int stride = AttentionKernels.stride(7);
        assertEquals(0, stride % (4 * L));
        assertTrue(stride >= 7 && t.length >= 5 * stride);
        for (int s = 0; s < 7; s++) {
            for (int d = 0; d < 5; d++) {
                assertEquals(keys[s * 5 + d], t[d * stride + s]);
            }
        }
    }

    @Test
    void weightedValuesEqualZeroThenAxpyPerKeyBitForBit() {
        for (int hd : HEAD_DIMS) {
            for (int count : KEY_COUNTS) {
                float[] p = gaussian(count, count);
                float[] values = gaussian(count * hd, hd + 7L * count);
                float[] want = new float[hd + 2];
                for (int s = 0; s < count; s++) {
                    VectorOps.axpy(p[s], values, s * hd, want, 2, hd);
                }
                float[] got = new float[hd + 2];
                Arrays.fill(got, 0, 2, 0f);
                AttentionKernels.weightedValues(p, count, values, hd, got, 2);
                assertArrayEquals(want, got, "hd " + hd + " keys " + count);
            }
        }
    }

    @Test
    void fourQueryBlocksMatchDoublePrecisionReferences() {
        float scale = 0.25f;
        int qStride = 300;
        for (int hd : new int[] {2 * L, 4 * L, 64}) {
            if (!AttentionKernels.fourFit(hd)) {
                continue;
            }
            for (int keys : new int[] {1, 3, 2 * L + 1, 150}) {
                float[] keyRows = gaussian(keys * hd, 31L * hd + keys);
                float[] q = gaussian(5 + 3 * qStride + hd, keys);
                float[] keysT = AttentionKernels.transposeKeys(keyRows, keys, hd);
                int rowStride = AttentionKernels.stride(keys) + 4 * L; // rows wider than needed, as in a session
                float[] rows = new float[AttentionKernels.BLOCK * rowStride];
                AttentionKernels.scoresFour(q, 5, qStride, keysT, AttentionKernels.stride(keys), hd, keys, scale,
                        rows, rowStride);
                for (int j = 0; j < AttentionKernels.BLOCK; j++) {
                    for (int s = 0; s < keys; s++) {
                        double ref = 0, norm = 0;
                        for (int d = 0; d < hd; d++) {
                            ref += (double) q[5 + j * qStride + d] * keyRows[s * hd + d];
                            norm += Math.abs((double) q[5 + j * qStride + d] * keyRows[s * hd + d]);
                        }
                        assertEquals(scale * ref, rows[j * rowStride + s], 1e-6 * scale * norm + 1e-7,
                                "scores hd " + hd + " keys " + keys + " query " + j + " key " + s);
                    }
                }
                float[] values = gaussian(keys * hd, 17L * keys + hd);
                int outStride = hd + 9;
                float[] out = new float[2 + AttentionKernels.BLOCK * outStride];
                AttentionKernels.weightedValuesFour(rows, rowStride, keys, values, hd, out, 2, outStride);
                for (int j = 0; j < AttentionKernels.BLOCK; j++) {
                    for (int d = 0; d < hd; d++) {
                        double ref = 0, norm = 0;
                        for (int s = 0; s < keys; s++) {
                            ref += (double) rows[j * rowStride + s] * values[s * hd + d];
                            norm += Math.abs((double) rows[j * rowStride + s] * values[s * hd + d]);
                        }
                        assertEquals(ref, out[2 + j * outStride + d], 1e-6 * norm + 1e-7,
                                "values hd " + hd + " keys " + keys + " query " + j + " dim " + d);
                    }
                }
            }
        }
    }
}
