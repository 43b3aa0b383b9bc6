package org.kvscope.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kvscope.gguf.GGMLType;

/**
 * The Java prefill kernels' buffers (issue 17, peak memory): a tile of weight rows dequantized a step of columns at a
 * time ({@link FloatTensor#tileColumns(int)}) gives the floats of whole-row tiles, and a packed batch in an array the
 * caller lends gives those of the thread's own packing array, bit for bit; a lent array the product reads or writes
 * is refused. Runs in the Java kernels (every type here, {@code --kernels java}).
 */
class PrefillTilesTest {
    private int columns;

    @BeforeEach
    void javaKernels() {
        NativeKernels.use("java");
        columns = FloatTensor.tileColumns(0);
    }

    @AfterEach
    void restore() {
        FloatTensor.tileColumns(columns);
        NativeKernels.use("native");
    }

    /** Steps that end inside a row's last tile of columns, every block size, tiles of fewer rows, odd batches. */
    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void tilesInColumnStepsGiveWholeTilesFloats(GGMLType type) {
        int rows = 37, cols = 1280;
        FloatTensor w = TestData.Quantized.of(type, TestData.gaussian(31, rows * cols)).tensor();
        for (int batch : new int[] {2, 7, 16}) {
            float[] x = TestData.gaussian(40 + batch, batch * cols);
            FloatTensor.tileColumns(0);
            float[] want = product(w, x, batch, rows, cols, null);
            for (int step : new int[] {1024, 512, 256}) {
                FloatTensor.tileColumns(step);
                assertBits(want, product(w, x, batch, rows, cols, null), type + ", batch " + batch + ", steps of " + step);
            }
        }
    }

    /** A step that splits a row's blocks, or a row of part blocks, leaves the tile whole (same floats). */
    @Test
    void stepsThatSplitBlocksTakeWholeRows() {
        int rows = 20, cols = 512;
        FloatTensor w = TestData.Quantized.of(GGMLType.Q4_K, TestData.gaussian(32, rows * cols)).tensor();
        float[] x = TestData.gaussian(33, 5 * cols);
        float[] want = product(w, x, 5, rows, cols, null);
        FloatTensor.tileColumns(96);
        assertBits(want, product(w, x, 5, rows, cols, null), "Q4_K in steps of 96");
        FloatTensor flat = TestData.Quantized.of(GGMLType.Q8_0, TestData.gaussian(34, 8 * 48)).tensor();
        float[] y = TestData.gaussian(35, 4 * 48);
        FloatTensor.tileColumns(0);
        float[] whole = product(flat, y, 4, 8, 48, null);
        FloatTensor.tileColumns(32);
        assertBits(whole, product(flat, y, 4, 8, 48, null), "Q8_0 rows of 48 (blocks across rows) in steps of 32");
    }

    /** matmul, matmuls and the block in slices with a lent array (NaN-filled, or one float short) for the packing. */
    @ParameterizedTest
    @EnumSource(names = {"F32", "F16"})
    void lentPackingArraysGiveTheThreadsOwnFloats(GGMLType type) {
        FloatTensor.tileColumns(columns);
        int dim = 256, ffn = 1024, rows = 96;
        FloatTensor w = TestData.Quantized.of(type, TestData.gaussian(50, rows * dim)).tensor();
        FloatTensor gate = TestData.Quantized.of(type, TestData.gaussian(51, ffn * dim)).tensor();
        FloatTensor up = TestData.Quantized.of(type, TestData.gaussian(52, ffn * dim)).tensor();
        FloatTensor down = TestData.Quantized.of(type, TestData.gaussian(53, dim * ffn)).tensor();
        for (int batch : new int[] {3, 9, 16}) {
            String what = type + ", batch " + batch;
            float[] x = TestData.gaussian(60 + batch, batch * dim);
            float[] want = product(w, x, batch, rows, dim, null);
            for (float[] work : new float[][] {nans(FloatTensor.packedFloats(batch, dim)),
                    nans(Math.max(0, FloatTensor.packedFloats(batch, dim) - 1))}) {
                assertBits(want, product(w, x, batch, rows, dim, work), what + ", matmul, work of " + work.length);
                float[] a = new float[batch * rows], b = new float[batch * rows];
                FloatTensor.matmuls(x, batch, dim, new FloatTensor[] {w, w}, new float[][] {a, b}, new int[] {rows, rows},
                        null, work);
                assertBits(want, a, what + ", matmuls' first");
                assertBits(want, b, what + ", matmuls' second, the same packing");
            }
            float[] block = new float[batch * dim];
            FloatTensor.feedForwardFloats(x.clone(), batch, dim, gate, up, down, ffn, 128, block, null, null, null);
            float[] lent = new float[batch * dim];
            FloatTensor.feedForwardFloats(x.clone(), batch, dim, gate, up, down, ffn, 128, lent, null,
                    nans(batch * ffn), nans(batch * dim));
            assertBits(block, lent, what + ", block in slices with x packed in the lent array");
        }
    }

    @Test
    void lentArraysTheProductUsesAreRefused() {
        int cols = 64, rows = 32, batch = 4;
        FloatTensor w = TestData.Quantized.of(GGMLType.F32, TestData.gaussian(70, rows * cols)).tensor();
        float[] x = TestData.gaussian(71, batch * cols), out = new float[batch * rows];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> w.matmul(x, out, batch, rows, cols, x));
        assertEquals("work array for the packed batch is the product's input or output; lend an array idle during"
                + " the product, or null", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> w.matmul(x, out, batch, rows, cols, out));
        assertThrows(IllegalArgumentException.class, () -> FloatTensor.matmuls(x, batch, cols, new FloatTensor[] {w},
                new float[][] {out}, new int[] {rows}, null, out));
        float[] work = new float[batch * 128], y = new float[batch * cols];
        FloatTensor g = TestData.Quantized.of(GGMLType.F32, TestData.gaussian(72, 128 * cols)).tensor();
        FloatTensor d = TestData.Quantized.of(GGMLType.F32, TestData.gaussian(73, cols * 128)).tensor();
        assertThrows(IllegalArgumentException.class, () -> FloatTensor.feedForwardFloats(x, batch, cols, g, g, d, 128,
                64, y, null, work, work));
    }

    private static float[] product(FloatTensor w, float[] x, int batch, int rows, int cols, float[] work) {
        float[] out = new float[batch * rows];
        Arrays.fill(out, Float.NaN);
        w.matmul(x, out, batch, rows, cols, work);
        return out;
    }

    private static float[] nans(int n) {
        float[] a = new float[n];
        Arrays.fill(a, Float.NaN);
        return a;
    }

    private static void assertBits(float[] want, float[] got, String what) {
        for (int i = 0; i < want.length; i++) {
            assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]), what + ": output " + i);
        }
    }
}
