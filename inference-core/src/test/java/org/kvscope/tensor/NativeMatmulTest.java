package org.kvscope.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kvscope.gguf.GGMLType;

/**
 * Prefill's native matrix products ({@link NativeMatmul}) against the Java model of the integer algorithm
 * (exact on the scalar level, within float summation order on the others), against the exact float
 * kernels within the bound that 8-bit rounding of the activations allows, for every type, every
 * instruction set this CPU has, weight row counts that leave partial tiles and odd batch sizes.
 */
@ExtendWith(NativeLevels.class)
class NativeMatmulTest {
    /** Batch sizes: every remainder of the kernels' passes of 4 activation rows, and odd counts. */
    private static final int[] BATCHES = {2, 3, 4, 5, 7, 9};

    private static int[] columns(GGMLType type) {
        return type.blockSize() == 256 ? new int[] {256, 1280} : new int[] {32, 96, 800};
    }

    private static float[] row(float[] x, int b, int cols) {
        return Arrays.copyOfRange(x, b * cols, (b + 1) * cols);
    }

    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q8_0", "Q4_K", "Q6_K"})
    void everyInstructionSetComputesTheIntegerAlgorithm(GGMLType type) {
        int best = NativeKernels.limitIsa(Integer.MAX_VALUE);
        for (int cols : columns(type)) {
            for (int rows : new int[] {1, 17, 67}) {
                TestData.Quantized q = TestData.Quantized.of(type, TestData.gaussian(7 + rows, rows * cols));
                for (int batch : BATCHES) {
                    float[] x = TestData.gaussian(9 + cols + batch, batch * cols);
                    IntegerReference[] ref = new IntegerReference[batch];
                    for (int b = 0; b < batch; b++) {
                        ref[b] = new IntegerReference(type, q.bytes(), row(x, b, cols), cols);
                    }
                    for (int level = 0; level <= best; level++) {
                        NativeKernels.limitIsa(level);
                        float[] out = nativeProduct(q, x, batch, rows, cols);
                        for (int b = 0; b < batch; b++) {
                            for (int r = 0; r < rows; r++) {
                                String where = type + " level " + level + " " + rows + "x" + cols + " batch " + batch
                                        + " row " + b + "." + r;
                                float expected = ref[b].row(r), actual = out[b * rows + r];
                                if (level == 0) {
                                    assertEquals(expected, actual, 0f, where);
                                } else {
                                    assertEquals(expected, actual, 1e-5 * ref[b].magnitude(r) + 1e-30, where);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /** kvs_matmul on q's rows and the batch x, at the instruction set the library uses now. */
    private static float[] nativeProduct(TestData.Quantized q, float[] x, int batch, int rows, int cols) {
        int code = NativeKernels.typeCode(q.type());
        long xBytes = NativeKernels.quantizedBytes(code, cols);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment xq = arena.allocate(xBytes * batch, 64);
            float[] out = new float[batch * rows];
            NativeMatmul.quantizeRows(code, MemorySegment.ofArray(x), cols, 0, batch, xq, xBytes);
            NativeMatmul.matmul(code, MemorySegment.ofArray(q.bytes()), q.type().byteSize(cols), xq, xBytes, cols, batch,
                    0, rows, MemorySegment.ofArray(out), rows);
            return out;
        }
    }

    /**
     * Prefill takes the native product where the library has tiles (AVX-512 VNNI, AVX2) and the float kernels
     * on the scalar level: row by row, the native product would read the weights once per activation row.
     */
    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q8_0", "Q4_K", "Q6_K"})
    void prefillRunsNativeOnlyWhereTheLibraryHasTiles(GGMLType type) {
        int rows = 33, cols = 512, batch = 5;
        TestData.Quantized q = TestData.Quantized.of(type, TestData.gaussian(13, rows * cols));
        float[] x = TestData.gaussian(14, batch * cols), floats = new float[batch * rows];
        NativeKernels.use("java");
        q.tensor().matmul(x, floats, batch, rows, cols);
        NativeKernels.use("native");
        int best = NativeKernels.limitIsa(Integer.MAX_VALUE);
        for (int level = 0; level <= best; level++) {
            NativeKernels.limitIsa(level);
            float[] out = new float[batch * rows];
            q.tensor().matmul(x, out, batch, rows, cols);
            float[] expected = NativeMatmul.tiled() ? nativeProduct(q, x, batch, rows, cols) : floats;
            assertEquals(level >= 1, NativeMatmul.tiled(), "level " + level);
            for (int j = 0; j < out.length; j++) {
                assertEquals(Float.floatToRawIntBits(expected[j]), Float.floatToRawIntBits(out[j]),
                        type + " level " + level + " output " + j);
            }
        }
    }

    /** The bound of NativeKernelsTest's decode test, per activation row: Σ |w_i|·d_i/2 plus float rounding. */
    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q8_0", "Q4_K", "Q6_K"})
    void nativeStaysWithinTheRoundingOfEightBitInputs(GGMLType type) {
        int rows = 67, cols = 2048, batch = 5;
        float[] w = TestData.gaussian(3, rows * cols), x = TestData.gaussian(4, batch * cols);
        TestData.Quantized q = TestData.Quantized.of(type, w);
        float[] dequant = q.reference();
        float[] exact = new float[batch * rows], fast = new float[batch * rows];
        NativeKernels.use("java");
        q.tensor().matmul(x, exact, batch, rows, cols);
        NativeKernels.use("native");
        q.tensor().matmul(x, fast, batch, rows, cols);
        int block = type.blockSize() == 256 ? 256 : 32;
        double worst = 0, scale = 0;
        for (float e : exact) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int b = 0; b < batch; b++) {
            for (int r = 0; r < rows; r++) {
                double bound = 0, magnitude = 0;
                for (int i = 0; i < cols; i++) {
                    double wi = dequant[r * cols + i], xi = x[b * cols + i];
                    bound += Math.abs(wi) * IntegerReference.blockScale(x, b * cols + i / block * block, block) / 2;
                    magnitude += Math.abs(wi * xi);
                }
                double diff = Math.abs(exact[b * rows + r] - fast[b * rows + r]);
                assertTrue(diff <= bound + 1e-5 * magnitude, type + " row " + b + "." + r + ": " + fast[b * rows + r]
                        + " vs " + exact[b * rows + r] + ", bound " + bound);
                worst = Math.max(worst, diff / scale);
            }
        }
        System.out.printf(Locale.ROOT, "native prefill %s (%s), %d x %d, batch %d: max |native - float| / max |float| = %.2e%n",
                type, NativeKernels.isaName(), rows, cols, batch, worst);
    }

    /** The java kernels keep prefill's exact float path: within float rounding of the dequantized product. */
    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q8_0", "Q4_K", "Q6_K"})
    void javaKernelsKeepTheFloatProduct(GGMLType type) {
        int rows = 19, cols = 512, batch = 3;
        TestData.Quantized q = TestData.Quantized.of(type, TestData.gaussian(11, rows * cols));
        float[] dequant = q.reference(), x = TestData.gaussian(12, batch * cols), out = new float[batch * rows];
        NativeKernels.use("java");
        q.tensor().matmul(x, out, batch, rows, cols);
        for (int b = 0; b < batch; b++) {
            for (int r = 0; r < rows; r++) {
                double expected = 0, magnitude = 0;
                for (int i = 0; i < cols; i++) {
                    expected += (double) dequant[r * cols + i] * x[b * cols + i];
                    magnitude += Math.abs((double) dequant[r * cols + i] * x[b * cols + i]);
                }
                assertEquals(expected, out[b * rows + r], 1e-6 * magnitude, type + " row " + b + "." + r);
            }
        }
    }

    /**
     * Fused products (prefill's q/k/v and gate/up, types mixed as in Q4_K_M files) give each matrix's own product bit
     * for bit, at every instruction-set level.
     */
    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q8_0", "Q4_K", "Q6_K"})
    void fusedProductsEqualSeparateOnesBitForBit(GGMLType type) {
        int cols = 512, batch = 7;
        int[] rows = {67, 19, 130, 16};
        GGMLType[] types = {type, GGMLType.Q8_0, GGMLType.Q6_K, GGMLType.F32};
        FloatTensor[] weights = new FloatTensor[rows.length];
        float[][] fused = new float[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            weights[i] = TestData.Quantized.of(types[i], TestData.gaussian(20 + i, rows[i] * cols)).tensor();
            fused[i] = new float[batch * rows[i]];
        }
        float[] x = TestData.gaussian(30, batch * cols);
        int best = NativeKernels.limitIsa(Integer.MAX_VALUE);
        for (int level = 0; level <= best; level++) { // AVX2 and AVX-512 encode Q4_0's activations apart from Q8_0's
            NativeKernels.limitIsa(level);
            FloatTensor.matmuls(x, batch, cols, weights, fused, rows);
            for (int i = 0; i < rows.length; i++) {
                float[] alone = new float[batch * rows[i]];
                weights[i].matmul(x, alone, batch, rows[i], cols);
                for (int j = 0; j < alone.length; j++) {
                    assertEquals(Float.floatToRawIntBits(alone[j]), Float.floatToRawIntBits(fused[i][j]),
                            types[i] + " matrix " + i + " output " + j + " at level " + level);
                }
            }
        }
    }

    /**
     * Products of rows that a prepare step writes (prefill's RMSNorm and SwiGLU in the quantization loop) equal the
     * products of the rows prepared first, bit for bit: with native matrices of one family, of both with a float
     * one (prepared once, in the first quantization loop), with float ones only and with the java kernels (prepared
     * in a loop of their own). The step adds 1 to each value, so a row prepared twice or never shows.
     */
    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q8_0", "Q4_K", "F32"})
    void preparedRowsGiveTheProductsOfRowsPreparedFirst(GGMLType type) {
        int cols = 512, batch = 67;
        int[] rows = {67, 19, 130, 16};
        GGMLType[] types = {type, GGMLType.Q8_0, GGMLType.Q6_K, GGMLType.F32};
        for (String kernels : new String[] {"native", "java"}) {
            for (int count : new int[] {1, rows.length}) {
                NativeKernels.use(kernels);
                FloatTensor[] weights = new FloatTensor[count];
                float[][] out = new float[count][], expected = new float[count][];
                int[] r = Arrays.copyOf(rows, count);
                for (int i = 0; i < count; i++) {
                    weights[i] = TestData.Quantized.of(types[i], TestData.gaussian(40 + i, rows[i] * cols)).tensor();
                    out[i] = new float[batch * rows[i]];
                    expected[i] = new float[batch * rows[i]];
                }
                float[] source = TestData.gaussian(50, batch * cols), prepared = source.clone(), x = source.clone();
                for (int i = 0; i < prepared.length; i++) {
                    prepared[i] += 1f;
                }
                FloatTensor.matmuls(prepared, batch, cols, weights, expected, r);
                FloatTensor.matmuls(x, batch, cols, weights, out, r, (from, to) -> {
                    for (int i = from * cols; i < to * cols; i++) {
                        x[i] += 1f;
                    }
                });
                String where = kernels + ", " + Arrays.toString(Arrays.copyOf(types, count));
                for (int i = 0; i < x.length; i++) {
                    assertEquals(Float.floatToRawIntBits(prepared[i]), Float.floatToRawIntBits(x[i]), where + " x " + i);
                }
                for (int i = 0; i < count; i++) {
                    for (int j = 0; j < out[i].length; j++) {
                        assertEquals(Float.floatToRawIntBits(expected[i][j]), Float.floatToRawIntBits(out[i][j]),
                                where + " matrix " + i + " output " + j);
                    }
                }
            }
        }
    }

    /**
     * Full tiles (AVX2 Q4_0: both halves of a tile in one pass, three activation rows at a time) give the outputs of
     * one-row ranges (partial tiles: the half-tile kernels, or the masked ones), bit for bit, at every level: the same
     * integers and float operations per output whichever kernel runs. Batches cover every remainder of the passes.
     */
    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q8_0", "Q4_K", "Q6_K"})
    void fullTilesGiveTheOutputsOfSingleRows(GGMLType type) {
        int rows = 48;
        int best = NativeKernels.limitIsa(Integer.MAX_VALUE);
        for (int cols : columns(type)) {
            TestData.Quantized q = TestData.Quantized.of(type, TestData.gaussian(60 + cols, rows * cols));
            int code = NativeKernels.typeCode(type);
            long xBytes = NativeKernels.quantizedBytes(code, cols), rowBytes = type.byteSize(cols);
            for (int batch = 1; batch <= 9; batch++) {
                float[] x = TestData.gaussian(70 + batch, batch * cols);
                for (int level = 1; level <= best; level++) {
                    NativeKernels.limitIsa(level);
                    try (Arena arena = Arena.ofConfined()) {
                        MemorySegment xq = arena.allocate(xBytes * batch, 64), w = MemorySegment.ofArray(q.bytes());
                        float[] whole = new float[batch * rows], single = new float[batch * rows];
                        NativeMatmul.quantizeRows(code, MemorySegment.ofArray(x), cols, 0, batch, xq, xBytes);
                        NativeMatmul.matmul(code, w, rowBytes, xq, xBytes, cols, batch, 0, rows,
                                MemorySegment.ofArray(whole), rows);
                        for (int r = 0; r < rows; r++) {
                            NativeMatmul.matmul(code, w, rowBytes, xq, xBytes, cols, batch, r, r + 1,
                                    MemorySegment.ofArray(single), rows);
                        }
                        for (int j = 0; j < whole.length; j++) {
                            assertEquals(Float.floatToRawIntBits(single[j]), Float.floatToRawIntBits(whole[j]),
                                    type + " level " + level + " " + cols + " columns, batch " + batch + " output " + j);
                        }
                    }
                }
            }
        }
    }

    /** A row range that starts inside a tile writes its rows of every activation row, and nothing else. */
    @Test
    void rowRangesWriteOnlyTheirRows() {
        int rows = 40, cols = 512, batch = 3;
        TestData.Quantized q = TestData.Quantized.of(GGMLType.Q4_K, TestData.gaussian(5, rows * cols));
        float[] x = TestData.gaussian(6, batch * cols);
        int code = NativeKernels.Q4_K;
        long xBytes = NativeKernels.quantizedBytes(code, cols);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment xq = arena.allocate(xBytes * batch, 64);
            MemorySegment out = arena.allocate(4L * rows * batch);
            NativeMatmul.quantizeRows(code, MemorySegment.ofArray(x), cols, 0, batch, xq, xBytes);
            NativeMatmul.matmul(code, MemorySegment.ofArray(q.bytes()), GGMLType.Q4_K.byteSize(cols), xq, xBytes, cols,
                    batch, 13, 29, out, rows);
            for (int b = 0; b < batch; b++) {
                IntegerReference ref = new IntegerReference(GGMLType.Q4_K, q.bytes(), row(x, b, cols), cols);
                for (int r = 0; r < rows; r++) {
                    float v = out.getAtIndex(ValueLayout.JAVA_FLOAT, (long) b * rows + r);
                    if (r < 13 || r >= 29) {
                        assertEquals(0f, v, "row " + b + "." + r + " outside [13, 29)");
                    } else {
                        assertEquals(ref.row(r), v, 1e-5 * ref.magnitude(r), "row " + b + "." + r);
                    }
                }
            }
        }
    }
}
