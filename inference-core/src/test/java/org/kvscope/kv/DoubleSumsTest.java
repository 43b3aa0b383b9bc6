package org.kvscope.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** DoubleSums' interleaved and fused loops equal one-accumulator loops at every length and offset. */
class DoubleSumsTest {
    private static float[] randomFloats(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = i % 7 == 0 ? 0f : (float) (r.nextGaussian() * (i % 5 == 0 ? 1e-3 : 3));
        }
        return x;
    }

    @Test
    void dotAndAxpyEqualThePlainLoops() {
        Random r = new Random(3);
        float[] x = randomFloats(r, 200);
        for (int d : new int[] {0, 1, 3, 4, 5, 7, 8, 64, 67}) {
            for (int o : new int[] {0, 1, 13}) {
                double[] y = new double[d];
                for (int j = 0; j < d; j++) {
                    y[j] = r.nextGaussian();
                }
                double plain = 0, scale = 0;
                for (int j = 0; j < d; j++) {
                    plain += x[o + j] * y[j];
                    scale += Math.abs(x[o + j] * y[j]);
                }
                assertEquals(plain, DoubleSums.dot(x, o, y, d), 1e-15 * scale, "dot d=" + d + " o=" + o);
                double[] want = y.clone(), got = y.clone();
                for (int j = 0; j < d; j++) {
                    want[j] += 0.37 * x[o + j];
                }
                DoubleSums.axpy(0.37, x, o, got, d);
                for (int j = 0; j < d; j++) {
                    assertEquals(want[j], got[j], 0.0, "axpy d=" + d + " o=" + o + " j=" + j);
                }
            }
        }
    }

    @Test
    void rowSumsEntropyAndVarianceEqualThePlainLoops() {
        Random r = new Random(4);
        for (int n : new int[] {0, 1, 5, 1023, 1024, 2040}) {
            double[] sum = new double[n], sq = new double[n], wantSum = new double[n], wantSq = new double[n];
            double entropy = 0, want = 0;
            int w = 3;
            for (int row = 0; row < w; row++) {
                float[] x = randomFloats(r, n);
                for (int k = 0; k < n; k++) {
                    x[k] = Math.abs(x[k]) / 10;
                    double a = x[k];
                    wantSum[k] += a;
                    wantSq[k] += a * a;
                    want -= a * Math.log(a + 1e-10);
                }
                entropy += org.kvscope.trace.WindowMoments.addRow(x, n, sum, sq);
            }
            assertEquals(want, entropy, 1e-12 * Math.abs(want), "entropy n=" + n);
            double variance = 0;
            for (int k = 0; k < n; k++) {
                assertEquals(wantSum[k], sum[k], 0.0, "sum n=" + n);
                assertEquals(wantSq[k], sq[k], 0.0, "squares n=" + n);
                variance += Math.max(0, (wantSq[k] - wantSum[k] * wantSum[k] / w) / (w - 1));
            }
            assertEquals(variance, DoubleSums.varianceSum(sum, sq, n, w), 0.0, "variance n=" + n);
        }
    }
}
