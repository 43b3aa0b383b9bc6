package org.kvscope.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kvscope.gguf.GGMLType;

/**
 * Prefill's native BF16 products ({@code kvscope_bf16_matmul.c}): at every instruction-set level this CPU has,
 * against the exact Java float kernels. Where the library has BF16 tiles (AVX-512 BF16) the products are those of
 * x rounded to BF16 (within float summation order of Σ w·bf16(x) in double, and within 2^-8 Σ |w·x| of the exact
 * product); at the other levels the Java float kernels run, bit for bit.
 */
@ExtendWith(NativeLevels.class)
class NativeBf16MatmulTest {
    /** Activation row counts: every remainder of the kernel's passes of 12 rows, and more than one pass. */
    private static final int[] BATCHES = {2, 3, 5, 7, 11, 12, 13, 25};

    /** x rounded to BF16, to nearest even (finite values). */
    static float bf16(float x) {
        int bits = Float.floatToRawIntBits(x);
        return Float.intBitsToFloat((bits + 0x7FFF + ((bits >>> 16) & 1)) & 0xFFFF0000);
    }

    @Test
    void bf16ProductsMatchTheFloatKernelsAtEveryInstructionSet() {
        int best = NativeKernels.limitIsa(Integer.MAX_VALUE);
        for (int cols : new int[] {1, 15, 33, 576, 801}) {
            for (int rows : new int[] {1, 17, 33, 67}) {
                int batch = BATCHES[(rows + cols) % BATCHES.length];
                float[] w = withExtremes(TestData.gaussian(21 + rows, rows * cols));
                float[] x = TestData.gaussian(23 + cols, batch * cols);
                TestData.Quantized q = TestData.Quantized.of(GGMLType.BF16, w);
                float[] dequant = q.reference(), exact = new float[batch * rows];
                NativeKernels.use("java");
                q.tensor().matmul(x, exact, batch, rows, cols);
                NativeKernels.use("native");
                for (int level = 0; level <= best; level++) {
                    NativeKernels.limitIsa(level);
                    String where = "level " + level + " " + rows + "x" + cols + " batch " + batch;
                    float[] out = new float[batch * rows];
                    q.tensor().matmul(x, out, batch, rows, cols);
                    boolean tiled = NativeMatmul.bf16Tiled();
                    assertEquals(tiled, NativeMatmul.typeCode(q.tensor(), rows, cols) >= 0, where);
                    for (int b = 0; b < batch; b++) {
                        for (int r = 0; r < rows; r++) {
                            float got = out[b * rows + r];
                            if (!tiled) {
                                assertEquals(Float.floatToRawIntBits(exact[b * rows + r]), Float.floatToRawIntBits(got),
                                        where + " row " + b + "." + r);
                                continue;
                            }
                            double rounded = 0, magnitude = 0;
                            for (int i = 0; i < cols; i++) {
                                double wi = dequant[r * cols + i], xi = x[b * cols + i];
                                rounded += wi * bf16(x[b * cols + i]);
                                magnitude += Math.abs(wi * xi);
                            }
                            assertEquals(rounded, got, 1e-5 * magnitude + 1e-30, where + " row " + b + "." + r);
                            assertEquals(exact[b * rows + r], got, 0x1p-8 * magnitude + 1e-5 * magnitude + 1e-30,
                                    where + " row " + b + "." + r + " against the float kernels");
                        }
                    }
                }
            }
        }
    }

    /** x rounded to BF16 as the library rounds it: ties to even, within 2^-8 of |x|. */
    @Test
    void roundingIsToNearestEven() {
        assertEquals(1f, bf16(1f + 0x1p-8f)); // halfway, 1.0's last bit even
        assertEquals(1f + 0x1p-6f, bf16(1f + 0x1p-7f + 0x1p-8f)); // halfway, up to even
        assertEquals(1f + 0x1p-7f, bf16(1f + 0x1p-8f + 0x1p-20f));
        for (float v : TestData.gaussian(5, 1000)) {
            assertTrue(Math.abs(bf16(v) - v) <= 0x1p-8 * Math.abs(v), v + " -> " + bf16(v));
        }
    }

    /**
     * A BF16 matrix fused with quantized ones (prefill's q/k/v or gate/up in a mixed file) gives each its own
     * product bit for bit: the BF16 activations have a buffer of their own.
     */
    @Test
    void fusedWithQuantizedMatricesEqualsSeparateProducts() {
        int cols = 576, batch = 13;
        GGMLType[] types = {GGMLType.Q4_0, GGMLType.BF16, GGMLType.Q8_0, GGMLType.BF16};
        int[] rows = {35, 40, 17, 64};
        FloatTensor[] weights = new FloatTensor[types.length];
        float[][] alone = new float[types.length][], fused = new float[types.length][];
        float[] x = TestData.gaussian(31, batch * cols);
        for (int i = 0; i < types.length; i++) {
            weights[i] = TestData.Quantized.of(types[i], TestData.gaussian(40 + i, rows[i] * cols)).tensor();
            alone[i] = new float[batch * rows[i]];
            fused[i] = new float[batch * rows[i]];
            weights[i].matmul(x, alone[i], batch, rows[i], cols);
        }
        FloatTensor.matmuls(x, batch, cols, weights, fused, rows);
        for (int i = 0; i < types.length; i++) {
            for (int j = 0; j < alone[i].length; j++) {
                assertEquals(Float.floatToRawIntBits(alone[i][j]), Float.floatToRawIntBits(fused[i][j]),
                        types[i] + " matrix " + i + " output " + j);
            }
        }
        System.out.printf(Locale.ROOT, "BF16 prefill tiles: %s%n", NativeMatmul.bf16Tiled() ? "native" : "java");
    }

    /** Gaussian weights with a few extreme values: tiny, BF16-subnormal (which vdpbf16ps takes as zero), large. */
    private static float[] withExtremes(float[] w) {
        float[] extremes = {3e-7f, -6e-8f, 1e-39f, 60000f, -1e20f};
        for (int i = 0; i < w.length; i += 7) {
            w[i] = extremes[(i / 7) % extremes.length];
        }
        return w;
    }
}
