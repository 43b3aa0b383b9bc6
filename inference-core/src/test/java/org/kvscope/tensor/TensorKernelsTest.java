package org.kvscope.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.kvscope.gguf.GGMLType;

/**
 * Every supported type: round trip, getFloat, fused dot, matvec and matmul against plain references.
 * These tests hold the exact float kernels to their references; NativeKernelsTest covers the native ones.
 */
@ExactKernels
class TensorKernelsTest {
    static final int ROWS = 48, COLS = 512;

    static float[] gaussian(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble()));
        }
        return x;
    }

    static FloatTensor tensor(GGMLType type, float[] values) {
        return FloatTensor.of(type, MemorySegment.ofArray(Quantizer.quantize(type, values)), values.length);
    }

    /** Worst elementwise error allowed relative to the block's largest magnitude. */
    static double bound(GGMLType t) {
        return switch (t) {
            case F32 -> 0;
            case F16 -> 1e-3;
            case BF16 -> 8e-3;
            case Q8_0 -> 1.0 / 127 * 0.51 + 1e-3;
            case Q6_K -> 1.0 / 32 * 0.6 + 2e-2;
            case Q4_0 -> 1.0 / 8 + 1e-2; // the max maps to -8, the other side reaches only +7
            case Q4_K -> 1.0 / 15 * 1.2 + 2e-2;
            default -> throw new IllegalArgumentException();
        };
    }

    @ParameterizedTest
    @EnumSource(value = GGMLType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void roundTripAndKernelsAgreeWithReferences(GGMLType type) {
        float[] w = gaussian(ROWS * COLS, 1);
        FloatTensor t = tensor(type, w);
        float[] deq = new float[w.length];
        t.dequantize(0, deq, 0, deq.length);
        double worst = 0;
        for (int b = 0; b < w.length; b += 256) {
            double amax = 0;
            for (int i = b; i < b + 256; i++) {
                amax = Math.max(amax, Math.abs(w[i]));
            }
            for (int i = b; i < b + 256; i++) {
                worst = Math.max(worst, Math.abs(deq[i] - w[i]) / amax);
                assertEquals(deq[i], t.getFloat(i), 0f, "getFloat " + i);
            }
        }
        assertTrue(worst <= bound(type), type + " worst relative error " + worst);
        float[] each = new float[COLS + 3];
        for (int r : new int[] {0, 1, ROWS - 1}) { // rows as the embedding reads them, written at an offset
            t.dequantizeEach((long) r * COLS, each, 3, COLS);
            for (int i = 0; i < COLS; i++) {
                assertEquals(deq[r * COLS + i], each[3 + i], 0f, "dequantizeEach row " + r + ", " + i);
            }
        }

        float[] x = gaussian(4 * COLS, 2);
        float[] out = new float[ROWS], outBatch = new float[4 * ROWS];
        t.matvec(x, out, ROWS, COLS);
        t.matmul(x, outBatch, 4, ROWS, COLS);
        for (int r = 0; r < ROWS; r++) {
            double ref = 0, norm = 0;
            for (int i = 0; i < COLS; i++) {
                ref += (double) deq[r * COLS + i] * x[i];
                norm += Math.abs((double) deq[r * COLS + i] * x[i]);
            }
            assertEquals(ref, out[r], 1e-5 * norm + 1e-6, "matvec row " + r);
            assertEquals(ref, t.dot((long) r * COLS, x, 0, COLS), 1e-5 * norm + 1e-6, "dot row " + r);
            for (int b = 0; b < 4; b++) {
                double rb = 0;
                for (int i = 0; i < COLS; i++) {
                    rb += (double) deq[r * COLS + i] * x[b * COLS + i];
                }
                assertEquals(rb, outBatch[b * ROWS + r], 1e-5 * norm * 4 + 1e-5, "matmul " + b + "," + r);
            }
        }
    }

    /** Rows that leave a partial tile and a batch that leaves vectors outside the four-vector groups. */
    @ParameterizedTest
    @EnumSource(value = GGMLType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void matmulCoversPartialTilesAndBatchRemainders(GGMLType type) {
        int rows = 37, cols = 256;
        float[] w = gaussian(rows * cols, 5);
        FloatTensor t = tensor(type, w);
        float[] deq = new float[w.length];
        t.dequantize(0, deq, 0, deq.length);
        for (int batch : new int[] {2, 4, 7, 11}) {
            assertMatmulMatchesReference(t, deq, batch, rows, cols, type + " batch " + batch);
        }
    }

    /** Odd column counts, down to one: matmul's kernels must not assume pairs or whole vectors of columns. */
    @ParameterizedTest
    @EnumSource(value = GGMLType.class, names = {"F32", "F16", "BF16"})
    void matmulCoversAnOddColumnCount(GGMLType type) {
        int rows = 64;
        for (int cols : new int[] {1, 33, 65}) {
            float[] w = gaussian(rows * cols, 7 + cols);
            FloatTensor t = tensor(type, w);
            float[] deq = new float[w.length];
            t.dequantize(0, deq, 0, deq.length);
            for (int batch : new int[] {4, 9}) {
                assertMatmulMatchesReference(t, deq, batch, rows, cols, type + " cols " + cols + " batch " + batch);
            }
        }
    }

    private static void assertMatmulMatchesReference(FloatTensor t, float[] deq, int batch, int rows, int cols,
                                                     String what) {
        float[] x = gaussian(batch * cols, 6 + batch);
        float[] out = new float[batch * rows];
        java.util.Arrays.fill(out, Float.NaN);
        t.matmul(x, out, batch, rows, cols);
        for (int b = 0; b < batch; b++) {
            for (int r = 0; r < rows; r++) {
                double ref = 0, norm = 0;
                for (int i = 0; i < cols; i++) {
                    ref += (double) deq[r * cols + i] * x[b * cols + i];
                    norm += Math.abs((double) deq[r * cols + i] * x[b * cols + i]);
                }
                assertEquals(ref, out[b * rows + r], 1e-5 * norm + 1e-6, what + " vector " + b + " row " + r);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GGMLType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0"})
    void oddBlockCountsMatchReference(GGMLType type) {
        // 7 blocks of 32 per row: the unrolled kernels' tails (two blocks a step) must run
        int rows = 37, cols = 7 * 32;
        float[] w = gaussian(rows * cols, 11);
        FloatTensor t = tensor(type, w);
        float[] deq = new float[w.length];
        t.dequantize(0, deq, 0, deq.length);
        float[] x = gaussian(cols, 12);
        float[] out = new float[rows];
        t.matvec(x, out, rows, cols);
        assertRowsMatchReference(deq, x, out, rows, cols, type + " matvec");
        float[] dots = new float[rows];
        for (int r = 0; r < rows; r++) {
            dots[r] = t.dot((long) r * cols, x, 0, cols);
        }
        assertRowsMatchReference(deq, x, dots, rows, cols, type + " dot");
    }

    /** out[r] equals row r of the dequantised matrix · x, to 1e-5 of Σ|w·x|. */
    static void assertRowsMatchReference(float[] deq, float[] x, float[] out, int rows, int cols, String what) {
        for (int r = 0; r < rows; r++) {
            double ref = 0, norm = 0;
            for (int i = 0; i < cols; i++) {
                ref += (double) deq[r * cols + i] * x[i];
                norm += Math.abs((double) deq[r * cols + i] * x[i]);
            }
            assertEquals(ref, out[r], 1e-5 * norm + 1e-6, what + " row " + r);
        }
    }

    /**
     * Decode's fused products of one input (query/key/value, gate/up): each matrix's rows come
     * out bit for bit as its own matvec gives them, whatever the mix of types and odd row counts
     * (chunks of the shared loop then straddle the matrices), and against a double reference.
     */
    @ParameterizedTest
    @EnumSource(value = GGMLType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void fusedMatvecsEqualSeparateMatvecsBitForBit(GGMLType type) {
        int cols = 512;
        int[] rows = {67, 19, 130};
        GGMLType[] types = {type, GGMLType.Q8_0, type};
        FloatTensor[] weights = new FloatTensor[rows.length];
        float[][] deq = new float[rows.length][], fused = new float[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            float[] w = gaussian(rows[i] * cols, 20 + i);
            weights[i] = tensor(types[i], w);
            deq[i] = new float[w.length];
            weights[i].dequantize(0, deq[i], 0, w.length);
            fused[i] = new float[rows[i]];
        }
        float[] x = gaussian(cols, 30);
        FloatTensor.matvecs(x, cols, weights, fused, rows);
        for (int i = 0; i < rows.length; i++) {
            float[] alone = new float[rows[i]];
            weights[i].matvec(x, alone, rows[i], cols);
            for (int r = 0; r < rows[i]; r++) {
                assertEquals(Float.floatToRawIntBits(alone[r]), Float.floatToRawIntBits(fused[i][r]),
                        types[i] + " matrix " + i + " row " + r + ": " + alone[r] + " vs " + fused[i][r]);
                double ref = 0, norm = 0;
                for (int k = 0; k < cols; k++) {
                    ref += (double) deq[i][r * cols + k] * x[k];
                    norm += Math.abs((double) deq[i][r * cols + k] * x[k]);
                }
                assertEquals(ref, fused[i][r], 1e-5 * norm + 1e-6, types[i] + " matrix " + i + " row " + r);
            }
        }
        assertThrows(IllegalArgumentException.class,
                () -> FloatTensor.matvecs(x, cols, weights, fused, new int[] {1, 2}));
        assertThrows(IllegalArgumentException.class,
                () -> FloatTensor.matvecs(x, cols, weights, fused, new int[] {rows[0] + 1, rows[1], rows[2]}));
    }

    /**
     * Gate and up with SwiGLU after each chunk of rows, as decode runs them: equal bit for bit to
     * two matvecs and one SwiGLU over the whole range, with a row count that is no multiple of 16.
     */
    @ParameterizedTest
    @EnumSource(value = GGMLType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void chunkedMatvecsThenSwigluEqualTheSeparateSteps(GGMLType type) {
        int rows = 203, cols = 256;
        FloatTensor gate = tensor(type, gaussian(rows * cols, 40)), up = tensor(type, gaussian(rows * cols, 41));
        float[] x = gaussian(cols, 42);
        float[] g = new float[rows], u = new float[rows], expected = new float[rows], expectedUp = new float[rows];
        java.util.List<int[]> chunks = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        FloatTensor.matvecsThen(x, cols, new FloatTensor[] {gate, up}, new float[][] {g, u}, rows, (from, to) -> {
            chunks.add(new int[] {from, to});
            VectorOps.swiglu(g, u, from, to);
        });
        gate.matvec(x, expected, rows, cols);
        up.matvec(x, expectedUp, rows, cols);
        VectorOps.swiglu(expected, expectedUp, 0, rows);
        for (int r = 0; r < rows; r++) {
            assertEquals(Float.floatToRawIntBits(expected[r]), Float.floatToRawIntBits(g[r]), type + " row " + r);
            assertEquals(Float.floatToRawIntBits(expectedUp[r]), Float.floatToRawIntBits(u[r]), type + " up row " + r);
        }
        int covered = 0;
        for (int[] c : chunks) {
            assertEquals(0, c[0] % 16, "chunks start on a row group");
            covered += c[1] - c[0];
        }
        assertEquals(rows, covered, "every row once");
    }

    @Test
    void rangesMayStraddleBlocks() {
        // some converters quantise a tensor as one flat array, so a row can start mid-block
        float[] w = gaussian(172 * 64, 3);
        FloatTensor t = tensor(GGMLType.Q8_0, w);
        float[] all = new float[w.length];
        t.dequantize(0, all, 0, all.length);
        float[] row = new float[172];
        t.dequantize(172 * 5, row, 0, 172);
        for (int i = 0; i < 172; i++) {
            assertEquals(all[172 * 5 + i], row[i], 0f);
        }
        float[] x = gaussian(172, 4);
        double ref = 0;
        for (int i = 0; i < 172; i++) {
            ref += (double) all[172 * 5 + i] * x[i];
        }
        assertEquals(ref, t.dot(172 * 5, x, 0, 172), 1e-4);
    }

    @Test
    void halfFloatConversionIsExactIncludingDenormals() {
        float[] values = {0f, -0f, 1f, -2.5f, 6.1e-5f, 5.96e-8f, -3.0e-7f, 65504f, 1e-6f, 0.333f, -1234.5f, 7e-5f,
                2.0e-5f, -6.0e-8f, 0.1f, 42f};
        FloatTensor t = tensor(GGMLType.F16, values);
        float[] got = new float[16];
        t.dequantize(0, got, 0, 16);
        for (int i = 0; i < 16; i++) {
            assertEquals(Float.float16ToFloat(Float.floatToFloat16(values[i])), got[i], 0f, "value " + values[i]);
        }
    }

    @Test
    void halfDotConvertsEveryFiniteHalfExactly() {
        // every half bit pattern but infinities and NaNs, 64 to a row; x = e_k picks column k
        // exactly (the other products are zeros), so the matvec must reproduce each value bit for bit.
        // 64 more rows of ones dilute the 2048 zeros and subnormals below one in 32, so that on
        // 16 lanes the fast conversion and its corrections are what runs (HalfExceptions)
        int cols = 64;
        short[] bits = new short[63488 + 4096];
        int count = 0;
        for (int h = 0; h < 65536; h++) {
            if ((h & 0x7c00) != 0x7c00) {
                bits[count++] = (short) h;
            }
        }
        while (count < bits.length) {
            bits[count++] = 0x3c00;
        }
        int rows = count / cols;
        byte[] data = new byte[2 * count];
        for (int i = 0; i < count; i++) {
            data[2 * i] = (byte) bits[i];
            data[2 * i + 1] = (byte) (bits[i] >> 8);
        }
        FloatTensor t = FloatTensor.of(GGMLType.F16, MemorySegment.ofArray(data), count);
        assertTrue(HalfExceptions.find(MemorySegment.ofArray(data), count) != null, "the fixture takes the fast path");
        float[] out = new float[rows];
        for (int k = 0; k < cols; k++) {
            float[] x = new float[cols];
            x[k] = 1f;
            t.matvec(x, out, rows, cols);
            for (int r = 0; r < rows; r++) {
                float want = Float.float16ToFloat(bits[r * cols + k]);
                assertEquals(want, out[r], 0f, "half 0x" + Integer.toHexString(bits[r * cols + k] & 0xffff));
            }
        }
    }

    @Test
    void halfDotCarriesInfinitiesAndNaNs() {
        float[] row = gaussian(96, 5);
        float[] x = gaussian(96, 6);
        row[40] = Float.POSITIVE_INFINITY;
        assertEquals(Float.POSITIVE_INFINITY, tensor(GGMLType.F16, row).dot(0, x, 0, 96) * Math.signum(x[40]));
        row[40] = Float.NaN;
        assertTrue(Float.isNaN(tensor(GGMLType.F16, row).dot(0, x, 0, 96)));
    }

    @Test
    void readOnceReadsEveryByteOfTheRowsAsked() {
        // F32 rows of 64 values are whole vectors, so the meaningless sum is the values' own sum
        int rows = 300, cols = 64;
        float[] w = gaussian(rows * cols, 12);
        double want = 0;
        for (float v : w) {
            want += v;
        }
        FloatTensor t = tensor(GGMLType.F32, w);
        assertEquals(want, t.readOnce(rows, cols), 1e-3);
        double firstRows = 0;
        for (int i = 0; i < 10 * cols; i++) {
            firstRows += w[i];
        }
        assertEquals(firstRows, t.readOnce(10, cols), 1e-4);
        assertThrows(IllegalArgumentException.class, () -> t.readOnce(rows + 1, cols));
        assertThrows(IllegalArgumentException.class, () -> t.readOnce(0, cols));
    }

    @Test
    void unsupportedTypesListTheSupportedOnes() {
        var e = assertThrows(UnsupportedTensorTypeException.class,
                () -> FloatTensor.of(GGMLType.Q5_K, MemorySegment.ofArray(new byte[176]), 256));
        assertTrue(e.getMessage().contains("Q5_K") && e.getMessage().contains("Q4_K") && e.getMessage().contains("Q6_K"),
                e.getMessage());
    }
}
