package org.kvscope.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NativeLevels.class)
class PolicyKernelsTest {

    /** The Java loop the kernel stands for (kv's DoubleSums.dot): four interleaved sums, the rest to the first. */
    private static double reference(float[] x, int o, double[] y, int d) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int j = 0;
        for (; j + 4 <= d; j += 4) {
            s0 += x[o + j] * y[j];
            s1 += x[o + j + 1] * y[j + 1];
            s2 += x[o + j + 2] * y[j + 2];
            s3 += x[o + j + 3] * y[j + 3];
        }
        for (; j < d; j++) {
            s0 += x[o + j] * y[j];
        }
        return (s0 + s1) + (s2 + s3);
    }

    @Test
    void dotsAreTheJavaLoopsDoublesBitForBitAtEveryLevel() {
        Random random = new Random(15);
        int best = NativeKernels.limitIsa(Integer.MAX_VALUE);
        for (int level = 0; level <= best; level++) {
            assertEquals(level, NativeKernels.limitIsa(level));
            for (int d : new int[] {1, 3, 4, 5, 7, 8, 63, 64, 65}) {
                for (int n : new int[] {0, 1, 3, 4, 5, 9, 130}) {
                    float[] x = new float[n * d + 11]; // longer than the rows, like a cache's backing array
                    double[] y = new double[d];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = (float) (random.nextGaussian() * Math.exp(random.nextGaussian() * 4));
                    }
                    for (int j = 0; j < d; j++) {
                        y[j] = random.nextGaussian() * Math.exp(random.nextGaussian() * 4);
                    }
                    double[] out = new double[n], want = new double[n];
                    for (int i = 0; i < n; i++) {
                        want[i] = reference(x, i * d, y, d);
                    }
                    assertTrue(PolicyKernels.dots(x, n, d, y, out));
                    assertArrayEquals(want, out, 0.0, "level " + level + " d=" + d + " n=" + n);
                }
            }
        }
    }

    @Test
    void dotsRefuseArraysTooShortForTheRowsAsked() {
        assertThrows(IllegalArgumentException.class, () -> PolicyKernels.dots(new float[7], 2, 4, new double[4], new double[2]));
        assertThrows(IllegalArgumentException.class, () -> PolicyKernels.dots(new float[8], 2, 4, new double[3], new double[2]));
        assertThrows(IllegalArgumentException.class, () -> PolicyKernels.dots(new float[8], 2, 4, new double[4], new double[1]));
        assertThrows(IllegalArgumentException.class, () -> PolicyKernels.best(new float[8], 2, 9, new long[2], new int[2]));
        assertThrows(IllegalArgumentException.class, () -> PolicyKernels.best(new float[8], 2, 3, new long[2], new int[2]));
        assertThrows(IllegalArgumentException.class, () -> PolicyKernels.best(new float[8], 0, 8, new long[1], new int[2]));
        assertThrows(IllegalArgumentException.class, () -> PolicyKernels.best(new float[8], 0, 8, new long[1], new int[0]));
    }

    /** The best of a row with ties, signed zeros and NaN, in index order: ranks as Float.compare, -0 as +0, ties to the lower index. */
    @Test
    void bestRanksAsTheJavaKeysDo() {
        float[] s = {1f, Float.NaN, -0f, 0f, 1f, Float.NEGATIVE_INFINITY, 2f, 0f};
        int[] out = new int[4];
        assertTrue(PolicyKernels.best(s, 0, s.length, new long[4], out));
        assertArrayEquals(new int[] {0, 1, 4, 6}, out);
        out = new int[2];
        assertTrue(PolicyKernels.best(s, 2, 6, new long[3], out)); // -0 and +0 tie: the lower index first
        assertArrayEquals(new int[] {2, 4}, out);
        out = new int[3];
        assertTrue(PolicyKernels.best(s, 2, 6, new long[3], out));
        assertArrayEquals(new int[] {2, 3, 4}, out);
    }

    /**
     * KeyDiff's scores (anchor products and the division in one kernel) are the Java expression's floats bit for bit at
     * every instruction set level: keys of every scale, zero keys (the 1e-12 floor), NaN and infinite squares, a zero anchor (its n·1e-12 floor).
     */
    @Test
    void keyDiffScoresAreTheJavaExpressionsFloatsAtEveryLevel() {
        Random random = new Random(16);
        int best = NativeKernels.limitIsa(Integer.MAX_VALUE);
        for (int level = 0; level <= best; level++) {
            assertEquals(level, NativeKernels.limitIsa(level));
            for (int d : new int[] {1, 5, 8, 64, 67}) {
                for (int n : new int[] {0, 1, 3, 63, 64, 65, 200}) {
                    float[] keys = new float[n * d + 9];
                    for (int i = 0; i < keys.length; i++) {
                        keys[i] = i % 37 == 0 ? 0f : (float) (random.nextGaussian() * Math.exp(random.nextGaussian() * 3));
                    }
                    double[] anchor = new double[d], squares = new double[n];
                    for (int j = 0; j < d; j++) {
                        anchor[j] = random.nextGaussian() * n;
                    }
                    for (int i = 0; i < n; i++) {
                        for (int j = 0; j < d; j++) {
                            squares[i] += (double) keys[i * d + j] * keys[i * d + j];
                        }
                        squares[i] = switch (i % 11) {
                            case 3 -> 0;
                            case 5 -> Double.NaN;
                            case 7 -> Double.POSITIVE_INFINITY;
                            default -> squares[i];
                        };
                    }
                    if (n % 3 == 1) {
                        java.util.Arrays.fill(anchor, 0); // the n·1e-12 floor of the anchor's norm
                    }
                    double anchorNorm = 0;
                    for (double a : anchor) {
                        anchorNorm += a * a;
                    }
                    anchorNorm = Math.max(Math.sqrt(anchorNorm), n * 1e-12);
                    float[] got = new float[n + 2], want = new float[n + 2];
                    for (int i = 0; i < n; i++) {
                        want[i] = (float) -(reference(keys, i * d, anchor, d) / (Math.max(Math.sqrt(squares[i]), 1e-12) * anchorNorm));
                    }
                    assertTrue(PolicyKernels.keyDiffScores(keys, n, d, anchor, squares, got));
                    assertArrayEquals(want, got, 0f, "level " + level + " d=" + d + " n=" + n);
                    for (int i = 0; i < n; i++) {
                        assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]),
                                "level " + level + " d=" + d + " n=" + n + " key " + i);
                    }
                }
            }
        }
    }

    @Test
    void keyDiffScoresAndAdaLayerRefuseArraysTooShort() {
        assertThrows(IllegalArgumentException.class,
                () -> PolicyKernels.keyDiffScores(new float[7], 2, 4, new double[4], new double[2], new float[2]));
        assertThrows(IllegalArgumentException.class,
                () -> PolicyKernels.keyDiffScores(new float[8], 2, 4, new double[4], new double[1], new float[2]));
        assertThrows(IllegalArgumentException.class,
                () -> PolicyKernels.keyDiffScores(new float[8], 2, 4, new double[4], new double[2], new float[1]));
        assertThrows(IllegalArgumentException.class,
                () -> PolicyKernels.adaLayer(new float[7], 2, 4, 3, 1, 2, new long[6], new int[10]));
        assertThrows(IllegalArgumentException.class,
                () -> PolicyKernels.adaLayer(new float[8], 2, 4, 3, 1, 2, new long[5], new int[10]));
        assertThrows(IllegalArgumentException.class,
                () -> PolicyKernels.adaLayer(new float[8], 2, 4, 3, 1, 2, new long[6], new int[9]));
        assertThrows(IllegalArgumentException.class,
                () -> PolicyKernels.adaLayer(new float[8], 2, 4, 5, 1, 2, new long[6], new int[10]));
    }

    /**
     * H2O's four-row sum: the floats of adding the rows to the sum one after another, per element, at every instruction
     * set level (vector widths 16, 8 and 1, and their tails), and {@link VectorOps#addFourRows}' floats. The weights span
     * eight orders of magnitude, so adding the rows in another order (the rows first, or pairs) gives other floats.
     */
    @Test
    void fourRowsAddToTheSumInRowOrderBitForBitAtEveryLevel() {
        Random random = new Random(22);
        int best = NativeKernels.limitIsa(Integer.MAX_VALUE);
        for (int level = 0; level <= best; level++) {
            assertEquals(level, NativeKernels.limitIsa(level));
            for (int n : new int[] {0, 1, 7, 8, 9, 15, 16, 17, 33, 64, 2048}) {
                int s = n + random.nextInt(20), o = random.nextInt(9);
                float[] w = new float[o + 3 * s + n + 5], sum = new float[n + 3];
                for (int i = 0; i < w.length; i++) {
                    w[i] = (float) (random.nextDouble() * Math.pow(10, -random.nextInt(8)));
                }
                for (int k = 0; k < sum.length; k++) {
                    sum[k] = (float) random.nextDouble();
                }
                float[] want = sum.clone(), vector = sum.clone();
                for (int r = 0; r < 4; r++) {
                    for (int k = 0; k < n; k++) {
                        want[k] += w[o + r * s + k];
                    }
                }
                VectorOps.addFourRows(vector, w, o, s, n);
                assertTrue(PolicyKernels.addFourRows(sum, w, o, s, n));
                assertArrayEquals(want, sum, 0f, "level " + level + " n=" + n);
                assertArrayEquals(want, vector, 0f, "VectorOps n=" + n);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> PolicyKernels.addFourRows(new float[8], new float[38], 1, 10, 8));
    }
}
