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
}
