package org.kvscope.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The window rows' moments the evidence adds up as rows arrive equal the plain loops over its stored rows. */
class WindowMomentsTest {
    static final int LAYERS = 2, HEADS = 4, KV = 2;

    /** Random rows for every query (some weights 0), all positions held, or with {@code scattered} some missing. */
    static AttentionEvidence evidence(int keys, int window, boolean scattered, long seed) {
        AttentionEvidence ev = new AttentionEvidence(LAYERS, HEADS, KV, keys, window, false, true);
        EvidenceCollector c = new EvidenceCollector(ev);
        Random r = new Random(seed);
        for (int l = 0; l < LAYERS; l++) {
            for (int h = 0; h < HEADS; h++) {
                for (int q = 0; q < keys; q++) {
                    int query = q;
                    int[] held = IntStream.rangeClosed(0, q).filter(p -> !scattered || p == query || p % 5 != 2).toArray();
                    float[] w = new float[held.length + 3];
                    for (int s = 0; s < held.length; s++) {
                        w[3 + s] = s % 13 == 4 ? 0f : (float) Math.pow(r.nextDouble(), 3);
                    }
                    if (c.wants(l, h, q)) {
                        c.onAttention(l, h, q, held, w, 3, held.length);
                    }
                }
            }
        }
        return ev;
    }

    @Test
    void theSumsAddedAsRowsArriveEqualThePlainLoopsOverTheStoredRows() {
        for (boolean scattered : new boolean[] {false, true}) {
            for (int[] shape : new int[][] {{300, 8}, {37, 1}, {64, 64}, {1025, 5}}) {
                int keys = shape[0], window = shape[1];
                AttentionEvidence ev = evidence(keys, window, scattered, keys + window);
                assertTrue(ev.hasWindowMoments());
                int upto = keys - ev.window();
                for (int l = 0; l < LAYERS; l++) {
                    for (int h = 0; h < HEADS; h++) {
                        double[] sum = new double[upto], sq = new double[upto];
                        for (int r = 0; r < ev.window(); r++) {
                            float[] row = ev.row(l, h, r);
                            double entropy = 0;
                            for (int k = 0; k < upto; k++) {
                                double a = row[k];
                                sum[k] += a;
                                sq[k] += a * a;
                                entropy += a * Math.log(a + 1e-10);
                            }
                            String where = "keys " + keys + " window " + window + " scattered " + scattered
                                    + " layer " + l + " head " + h + " row " + r;
                            assertEquals(-entropy, ev.windowEntropy(l, h, r), 0.0, where);
                            assertTrue(scattered || upto == 0 || ev.windowEntropy(l, h, r) > 0, where);
                        }
                        assertEquals(upto, ev.windowWeightSums(l, h).length);
                        int w = ev.window();
                        double total = 0;
                        for (int k = 0; k < upto; k++) {
                            assertEquals(sum[k], ev.windowWeightSums(l, h)[k], 0.0, "sum of key " + k);
                            assertEquals(sq[k], ev.windowSquareSums(l, h)[k], 0.0, "squares of key " + k);
                            double var = w > 1 ? Math.max(0, (sq[k] - sum[k] * sum[k] / w) / (w - 1)) : 0;
                            assertEquals(var, ev.windowVariances(l, h)[k], 0.0, "variance of key " + k);
                            total += var;
                        }
                        assertEquals(total, ev.windowVarianceTotal(l, h), 0.0, "variance total");
                    }
                }
            }
        }
    }

    @Test
    void evidenceWithoutMomentsSaysSo() {
        AttentionEvidence ev = new AttentionEvidence(1, 2, 1, 10, 3, false);
        assertFalse(ev.hasWindowMoments());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ev.windowWeightSums(0, 0));
        assertTrue(e.getMessage().contains("without the window rows' moments"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> ev.windowEntropy(0, 0, 0));
    }

    /** The row loop and the variances equal one-accumulator loops at every length. */
    @Test
    void rowSumsEntropyAndVarianceEqualThePlainLoops() {
        Random r = new Random(4);
        for (int n : new int[] {0, 1, 5, 1023, 1024, 2040}) {
            double[] sum = new double[n], sq = new double[n], wantSum = new double[n], wantSq = new double[n];
            double entropy = 0, want = 0;
            int w = 3;
            for (int row = 0; row < w; row++) {
                float[] x = new float[n];
                for (int k = 0; k < n; k++) {
                    x[k] = k % 7 == 0 ? 0f : (float) Math.abs(r.nextGaussian() * (k % 5 == 0 ? 1e-4 : 0.3));
                    double a = x[k];
                    wantSum[k] += a;
                    wantSq[k] += a * a;
                    want -= a * Math.log(a + 1e-10);
                }
                entropy += WindowMoments.addRow(x, n, sum, sq);
            }
            assertEquals(want, entropy, 1e-12 * Math.abs(want), "entropy n=" + n);
            double variance = 0;
            for (int k = 0; k < n; k++) {
                assertEquals(wantSum[k], sum[k], 0.0, "sum n=" + n);
                assertEquals(wantSq[k], sq[k], 0.0, "squares n=" + n);
                variance += Math.max(0, (wantSq[k] - wantSum[k] * wantSum[k] / w) / (w - 1));
            }
            assertEquals(variance, WindowMoments.variances(sum, sq, n, w, new double[n]), 0.0, "variance n=" + n);
        }
    }
}
