package org.kvscope.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
 * The native kernels against a Java model of their integer algorithm (the same quantization of x
 * to 8 bits, the same integer sums; exact on the scalar path, within float summation order on the
 * SIMD paths) and against the exact float kernels within the bound that 8-bit rounding of x
 * allows, for every type, every instruction set this CPU has, and shapes with odd block counts.
 */
@ExtendWith(NativeLevels.class)
class NativeKernelsTest {
    private static int[] columns(GGMLType type) {
        return type.blockSize() == 256 ? new int[] {256, 1280} : new int[] {32, 96, 576, 800};
    }

    /**
     * AVX-512 F32 decode reads rows under 2,048 columns one per pass exactly where the core's L1 data cache is at most
     * 32 KiB (Zen 4), four per pass with a burst prefetch where it is larger (Zen 5): the rule of
     * kvscope_float_kernels.c, checked against the size Linux reports for cpu0's level-1 data cache (skipped where it
     * reports none).
     */
    @Test
    void shortF32RowsTakeOneRowAPassWhereTheL1DataCacheIsSmall() throws java.io.IOException {
        long l1 = l1DataBytes();
        org.junit.jupiter.api.Assumptions.assumeTrue(l1 > 0, "no L1 data cache size in sysfs");
        assertEquals(l1 <= 32 * 1024, NativeKernels.floatShortRowsOnePass(), "L1 data cache " + l1 + " bytes");
    }

    /**
     * AVX2 float decode follows the same rule: one row per pass up to 4,096 columns, F32 rows under 2,048 only where the
     * L1 data cache is at most 32 KiB (else four with a prefetch of the next pass), four per pass for longer rows, each
     * pass prefetching the next into L2 a line at a time as AVX-512 does (not the whole next pass at its start).
     */
    @Test
    void avx2TakesShortF32RowsOneAPassWhereTheL1DataCacheIsSmall() throws java.io.IOException {
        long l1 = l1DataBytes();
        org.junit.jupiter.api.Assumptions.assumeTrue(l1 > 0, "no L1 data cache size in sysfs");
        int shortF32 = l1 <= 32 * 1024 ? 1 : 4;
        for (int cols : new int[] {576, 1536}) {
            assertEquals(shortF32, NativeKernels.floatAvx2RowsPerPass(GGMLType.F32, cols), "F32 " + cols + ", L1 " + l1);
            assertEquals(1, NativeKernels.floatAvx2RowsPerPass(GGMLType.F16, cols), "F16 " + cols);
            assertEquals(1, NativeKernels.floatAvx2RowsPerPass(GGMLType.BF16, cols), "BF16 " + cols);
        }
        assertEquals(1, NativeKernels.floatAvx2RowsPerPass(GGMLType.F32, 2048), "F32 2048");
        assertEquals(4, NativeKernels.floatAvx2RowsPerPass(GGMLType.F32, 8192), "F32 8192");
        assertEquals(4, NativeKernels.floatAvx2RowsPerPass(GGMLType.F16, 8192), "F16 8192");
        assertEquals(2, NativeKernels.floatAvx2PassPrefetch(), "four-row passes: the next pass a line at a time");
    }

    /**
     * AVX-512 F16 and BF16 rows under 2,048 columns (SmolLM2-135M's 576 and 1,536) prefetch a call's first 4 KiB of rows
     * as it starts, so a chunk's stream does not start cold; F32 rows and longer rows do not.
     */
    @Test
    void shortHalfRowsAtAvx512PrefetchTheStartOfEachCall() {
        for (int cols : new int[] {576, 1536, 2047}) {
            assertEquals(4096, NativeKernels.floatAvx512StartPrefetch(GGMLType.F16, cols), "F16 " + cols);
            assertEquals(4096, NativeKernels.floatAvx512StartPrefetch(GGMLType.BF16, cols), "BF16 " + cols);
            assertEquals(0, NativeKernels.floatAvx512StartPrefetch(GGMLType.F32, cols), "F32 " + cols);
        }
        for (GGMLType type : new GGMLType[] {GGMLType.F32, GGMLType.F16, GGMLType.BF16}) {
            assertEquals(0, NativeKernels.floatAvx512StartPrefetch(type, 2048), type + " 2048");
            assertEquals(0, NativeKernels.floatAvx512StartPrefetch(type, 8192), type + " 8192");
        }
    }

    /** cpu0's level-1 data cache in bytes as sysfs reports it, or -1 where it reports none. */
    private static long l1DataBytes() throws java.io.IOException {
        long l1 = -1;
        java.nio.file.Path caches = java.nio.file.Path.of("/sys/devices/system/cpu/cpu0/cache");
        if (java.nio.file.Files.isDirectory(caches)) {
            try (var dirs = java.nio.file.Files.list(caches)) {
                for (java.nio.file.Path d : dirs.filter(p -> p.getFileName().toString().startsWith("index")).toList()) {
                    if (read(d.resolve("level")).equals("1") && read(d.resolve("type")).equals("Data")) {
                        String size = read(d.resolve("size"));
                        l1 = size.endsWith("K") ? Long.parseLong(size.substring(0, size.length() - 1)) * 1024
                                : Long.parseLong(size);
                    }
                }
            }
        }
        return l1;
    }

    private static String read(java.nio.file.Path p) throws java.io.IOException {
        return java.nio.file.Files.exists(p) ? java.nio.file.Files.readString(p).strip() : "";
    }

    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q8_0", "Q4_K", "Q6_K"})
    void everyInstructionSetComputesTheIntegerAlgorithm(GGMLType type) {
        int best = NativeKernels.limitIsa(Integer.MAX_VALUE);
        for (int cols : columns(type)) {
            for (int rows : new int[] {1, 17, 67}) {
                float[] w = TestData.gaussian(7 + rows, rows * cols), x = TestData.gaussian(9 + cols, cols);
                TestData.Quantized q = TestData.Quantized.of(type, w);
                IntegerReference ref = new IntegerReference(type, q.bytes(), x, cols);
                for (int level = 0; level <= best; level++) {
                    NativeKernels.limitIsa(level);
                    float[] out = new float[rows + 3];
                    q.tensor().matvec(x, 0, out, 3, rows, cols);
                    for (int r = 0; r < rows; r++) {
                        String where = type + " level " + level + " " + rows + "x" + cols + " row " + r;
                        if (level == 0) {
                            assertEquals(ref.row(r), out[3 + r], 0f, where);
                        } else {
                            assertEquals(ref.row(r), out[3 + r], 1e-5 * ref.magnitude(r) + 1e-30, where);
                        }
                    }
                }
            }
        }
    }

    /**
     * Q4_0 rows at the shapes the eight-block groups (AVX2 and AVX-512: x arranged for 32 groups, 8,192 columns, at a
     * time) reach only past 800 columns: 16,416 columns are two parts and a tail block, 8,192 exactly one part, 1,056
     * four groups and a tail; the smaller widths of {@link #everyInstructionSetComputesTheIntegerAlgorithm} a tail only
     * (96) or groups and a tail (576, 800). Every instruction set against the integer algorithm. Fails with the groups'
     * blocks summed out of order or the second part's sum not added (tried).
     */
    @Test
    void q4_0RowsPastOnePeriodAndPastOnePartComputeTheIntegerAlgorithm() {
        int best = NativeKernels.limitIsa(Integer.MAX_VALUE);
        for (int cols : new int[] {1056, 2048, 8192, 16416}) {
            for (int rows : new int[] {1, 6, 9}) {
                float[] w = TestData.gaussian(50 + rows, rows * cols), x = TestData.gaussian(51 + cols, cols);
                TestData.Quantized q = TestData.Quantized.of(GGMLType.Q4_0, w);
                IntegerReference ref = new IntegerReference(GGMLType.Q4_0, q.bytes(), x, cols);
                for (int level = 0; level <= best; level++) {
                    NativeKernels.limitIsa(level);
                    float[] out = new float[rows];
                    q.tensor().matvec(x, out, rows, cols);
                    for (int r = 0; r < rows; r++) {
                        assertEquals(ref.row(r), out[r], 1e-5 * ref.magnitude(r) + 1e-30,
                                "Q4_0 level " + level + " " + rows + "x" + cols + " row " + r);
                    }
                }
            }
        }
        NativeKernels.limitIsa(best);
    }

    /**
     * BF16 rows of at most 4,096 columns at AVX-512 take 32 weights a load, unpacked with zeros: lane k of the low
     * unpack holds column 8 (k / 4) + k % 4 of the 32, lane k of the high one that column + 4 (x put in that order to
     * match), and sum in that order: four accumulators over each 64 columns' low and high unpacks of their first and
     * second 32, a last 32 into the first two, masked tails into the first (lane k, column i + k), then (a + c) + (b + d)
     * reduced as _mm512_reduce_add_ps does. Reproduced here with {@link Math#fma} lane by lane, bit for bit; the pair-lane
     * kernel it replaced (even and odd columns, shifted and masked) and the widening one before it sum otherwise and fail.
     */
    @Test
    void bf16ShortRowsAtAvx512SumInTheUnpackOrder() {
        int best = NativeKernels.limitIsa(Integer.MAX_VALUE);
        assumeTrue(best >= 2, "no AVX-512 here");
        for (int cols : new int[] {32, 64, 96, 576, 600, 2048, 4096}) {
            int rows = 9;
            TestData.Quantized q = TestData.Quantized.of(GGMLType.BF16, TestData.gaussian(70 + cols, rows * cols));
            float[] w = q.reference(), x = TestData.gaussian(71 + cols, cols), out = new float[rows];
            q.tensor().matvec(x, 0, out, 0, rows, cols);
            for (int r = 0; r < rows; r++) {
                float expected = unpackSum(w, r * cols, x, cols);
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(out[r]),
                        "BF16 " + cols + " columns, row " + r + ": " + out[r] + ", unpack order " + expected);
            }
        }
        NativeKernels.limitIsa(best);
    }

    /**
     * F16 rows at AVX-512 sum in two accumulators whatever the row's width and pass: 16 columns a vector, the first and
     * third of each 64 columns into a, the second and fourth into b (64-byte loads, each half widened), 32-column steps
     * the same way, masked tails into a, then a + b reduced as _mm512_reduce_add_ps does; one-row passes (up to 4,096
     * columns) and four-row passes (wider) alike. Reproduced here with {@link Math#fma} lane by lane, bit for bit.
     */
    @Test
    void f16RowsAtAvx512SumInTwoAccumulators() {
        int best = NativeKernels.limitIsa(Integer.MAX_VALUE);
        assumeTrue(best >= 2, "no AVX-512 here");
        for (int cols : new int[] {16, 33, 64, 96, 600, 2048, 4096, 4160, 4200, 8192}) {
            int rows = 9;
            TestData.Quantized q = TestData.Quantized.of(GGMLType.F16, TestData.gaussian(80 + cols, rows * cols));
            float[] w = q.reference(), x = TestData.gaussian(81 + cols, cols), out = new float[rows];
            q.tensor().matvec(x, 0, out, 0, rows, cols);
            for (int r = 0; r < rows; r++) {
                float expected = twoAccumulatorSum(w, r, x);
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(out[r]),
                        "F16 " + cols + " columns, row " + r + ": " + out[r] + ", two-accumulator order " + expected);
            }
        }
        NativeKernels.limitIsa(best);
    }

    /**
     * AVX-512 float decode takes eight rows a pass where x is long (over 4,096 columns: Llama-3.2-1B's down, 8,192),
     * each load of x serving eight rows where four shared it before; one row a pass up to 4,096 columns; F32 rows under
     * 2,048 columns four a pass only where the L1 data cache is larger than 32 KiB. Fails with four-row wide passes.
     */
    @Test
    void avx512TakesWideRowsEightAPass() throws java.io.IOException {
        for (GGMLType type : new GGMLType[] {GGMLType.F32, GGMLType.F16, GGMLType.BF16}) {
            for (int cols : new int[] {4097, 4160, 8192, 16384}) {
                assertEquals(8, NativeKernels.floatAvx512RowsPerPass(type, cols), type + " " + cols);
            }
            for (int cols : new int[] {2048, 4096}) {
                assertEquals(1, NativeKernels.floatAvx512RowsPerPass(type, cols), type + " " + cols);
            }
        }
        long l1 = l1DataBytes();
        if (l1 > 0) {
            assertEquals(l1 <= 32 * 1024 ? 1 : 4, NativeKernels.floatAvx512RowsPerPass(GGMLType.F32, 576), "F32 576");
        }
    }

    /**
     * Wide rows (over 4,096 columns) of every float type at AVX-512, eight a pass, then four, then one: each row sums as
     * the one-row passes do, in two accumulators (a over the first and third 16 of each 64 columns, b over the second
     * and fourth, masked tails into a, a + b reduced as _mm512_reduce_add_ps does). Row counts put rows in every pass
     * shape (8 + 8 + 4 + 3 at 23); reproduced with {@link Math#fma} bit for bit.
     */
    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16"})
    void wideRowsAtAvx512SumInTwoAccumulators(GGMLType type) {
        int best = NativeKernels.limitIsa(Integer.MAX_VALUE);
        assumeTrue(best >= 2, "no AVX-512 here");
        for (int cols : new int[] {4160, 4200, 8192}) {
            for (int rows : new int[] {7, 12, 23}) {
                TestData.Quantized q = TestData.Quantized.of(type, TestData.gaussian(90 + cols + rows, rows * cols));
                float[] w = q.reference(), x = TestData.gaussian(91 + cols, cols), out = new float[rows];
                q.tensor().matvec(x, 0, out, 0, rows, cols);
                for (int r = 0; r < rows; r++) {
                    float expected = twoAccumulatorSum(w, r, x);
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(out[r]),
                            type + " " + rows + "x" + cols + ", row " + r + ": " + out[r] + ", two-accumulator order "
                                    + expected);
                }
            }
        }
        NativeKernels.limitIsa(best);
    }

    /**
     * Row r of w (x.length columns) times x in AVX-512's two-accumulator order: 16 columns a vector, each 32-column step's
     * first 16 into a and second 16 into b, masked tails into a, then a + b reduced as _mm512_reduce_add_ps does.
     */
    private static float twoAccumulatorSum(float[] w, int r, float[] x) {
        int cols = x.length;
        float[] a = new float[16], b = new float[16];
        int i = 0;
        for (; i + 32 <= cols; i += 32) {
            for (int k = 0; k < 16; k++) {
                a[k] = Math.fma(w[r * cols + i + k], x[i + k], a[k]);
                b[k] = Math.fma(w[r * cols + i + 16 + k], x[i + 16 + k], b[k]);
            }
        }
        for (; i < cols; i += 16) {
            for (int k = 0; k < 16 && i + k < cols; k++) {
                a[k] = Math.fma(w[r * cols + i + k], x[i + k], a[k]);
            }
        }
        float[] s = new float[16];
        for (int k = 0; k < 16; k++) {
            s[k] = a[k] + b[k];
        }
        return reduceAdd(s);
    }

    /** The sixteen lanes of s added as _mm512_reduce_add_ps adds them. */
    private static float reduceAdd(float[] s) {
        float[] t = new float[8];
        for (int k = 0; k < 8; k++) {
            t[k] = s[k + 8] + s[k];
        }
        float[] u = new float[4];
        for (int k = 0; k < 4; k++) {
            u[k] = t[k + 4] + t[k];
        }
        float v0 = u[0] + u[2], v1 = u[1] + u[3];
        return v0 + v1;
    }

    /**
     * AVX2 BF16 rows up to 4,096 columns take 16 weights a 32-byte load, two a lane (shifted and masked): sums a and b over
     * the even and odd columns of each 32-column step's first 16, c and d over its second 16, a last 16 into a and b,
     * eight more into a, then (a + c) + (b + d) reduced as hsum8 does and the last columns added one by one.
     * Reproduced here with {@link Math#fma} bit for bit; the widening kernel it replaced (8 weights a load, two
     * accumulators) sums otherwise and fails.
     */
    @Test
    void bf16ShortRowsAtAvx2SumInThePairLaneOrder() {
        int best = NativeKernels.limitIsa(Integer.MAX_VALUE);
        assumeTrue(best >= 1, "no AVX2 here");
        NativeKernels.limitIsa(1);
        for (int cols : new int[] {16, 32, 48, 56, 64, 72, 576, 600, 603, 2048, 4096}) {
            int rows = 9;
            TestData.Quantized q = TestData.Quantized.of(GGMLType.BF16, TestData.gaussian(90 + cols, rows * cols));
            float[] w = q.reference(), x = TestData.gaussian(91 + cols, cols), out = new float[rows];
            q.tensor().matvec(x, 0, out, 0, rows, cols);
            for (int r = 0; r < rows; r++) {
                float expected = pairLaneSumAvx2(w, r * cols, x, cols);
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(out[r]),
                        "BF16 AVX2 " + cols + " columns, row " + r + ": " + out[r] + ", pair-lane order " + expected);
            }
        }
        NativeKernels.limitIsa(best);
    }

    /** One row's sum in the AVX2 BF16 pair-lane order (see above); w holds the row's weights as floats. */
    private static float pairLaneSumAvx2(float[] w, int wo, float[] x, int cols) {
        float[] a = new float[8], b = new float[8], c = new float[8], d = new float[8];
        int full = cols & ~15, i = 0;
        for (; i + 32 <= full; i += 32) {
            for (int k = 0; k < 8; k++) {
                a[k] = Math.fma(w[wo + i + 2 * k], x[i + 2 * k], a[k]);
                b[k] = Math.fma(w[wo + i + 2 * k + 1], x[i + 2 * k + 1], b[k]);
                c[k] = Math.fma(w[wo + i + 16 + 2 * k], x[i + 16 + 2 * k], c[k]);
                d[k] = Math.fma(w[wo + i + 17 + 2 * k], x[i + 17 + 2 * k], d[k]);
            }
        }
        if (i < full) {
            for (int k = 0; k < 8; k++) {
                a[k] = Math.fma(w[wo + i + 2 * k], x[i + 2 * k], a[k]);
                b[k] = Math.fma(w[wo + i + 2 * k + 1], x[i + 2 * k + 1], b[k]);
            }
            i += 16;
        }
        if (i + 8 <= cols) {
            for (int k = 0; k < 8; k++) {
                a[k] = Math.fma(w[wo + i + k], x[i + k], a[k]);
            }
            i += 8;
        }
        float[] t = new float[4];
        for (int k = 0; k < 4; k++) {
            t[k] = ((a[k] + c[k]) + (b[k] + d[k])) + ((a[k + 4] + c[k + 4]) + (b[k + 4] + d[k + 4]));
        }
        float s = (t[0] + t[2]) + (t[1] + t[3]);
        for (; i < cols; i++) {
            s = Math.fma(w[wo + i], x[i], s);
        }
        return s;
    }

    /** One row's sum in the AVX-512 BF16 unpack order (see above); w holds the row's weights as floats. */
    private static float unpackSum(float[] w, int wo, float[] x, int cols) {
        float[] a = new float[16], b = new float[16], c = new float[16], d = new float[16];
        int full = cols & ~31, i = 0;
        for (; i + 64 <= full; i += 64) {
            for (int k = 0; k < 16; k++) {
                int lo = 8 * (k / 4) + k % 4, hi = lo + 4;
                a[k] = Math.fma(w[wo + i + lo], x[i + lo], a[k]);
                b[k] = Math.fma(w[wo + i + hi], x[i + hi], b[k]);
                c[k] = Math.fma(w[wo + i + 32 + lo], x[i + 32 + lo], c[k]);
                d[k] = Math.fma(w[wo + i + 32 + hi], x[i + 32 + hi], d[k]);
            }
        }
        if (i < full) {
            for (int k = 0; k < 16; k++) {
                int lo = 8 * (k / 4) + k % 4, hi = lo + 4;
                a[k] = Math.fma(w[wo + i + lo], x[i + lo], a[k]);
                b[k] = Math.fma(w[wo + i + hi], x[i + hi], b[k]);
            }
            i += 32;
        }
        for (; i < cols; i += 16) {
            for (int k = 0; k < 16 && i + k < cols; k++) {
                a[k] = Math.fma(w[wo + i + k], x[i + k], a[k]);
            }
        }
        float[] s = new float[16];
        for (int k = 0; k < 16; k++) {
            s[k] = (a[k] + c[k]) + (b[k] + d[k]);
        }
        return reduceAdd(s);
    }

    /**
     * Q4_0 at AVX-512 gives the AVX2 level's outputs bit for bit (the same groups, integer sums and float order; q4d25):
     * groups and tails, one part and two, row counts of every size, and row ranges that start past 0.
     */
    @Test
    void q4_0AtAvx512EqualsAvx2BitForBit() {
        assertAvx512EqualsAvx2(GGMLType.Q4_0, new int[] {32, 96, 256, 576, 800, 1056, 2048, 8192, 16416},
                new int[] {1, 6, 9, 67}, 60);
    }

    /**
     * Q4_K and Q6_K at AVX-512 give the AVX2 level's outputs bit for bit (the AVX2 rows' steps with vpdpwssd: the same
     * integer sums and float order; kq26): one block and many, row counts of every size, row ranges past 0.
     */
    @ParameterizedTest
    @EnumSource(names = {"Q4_K", "Q6_K"})
    void kQuantsAtAvx512EqualAvx2BitForBit(GGMLType type) {
        assertAvx512EqualsAvx2(type, new int[] {256, 1280, 2048, 8192}, new int[] {1, 6, 67}, 70);
    }

    /** type's rows, for each width and row count (written from index 3 on), give the same bits at AVX-512 as at AVX2. */
    private static void assertAvx512EqualsAvx2(GGMLType type, int[] widths, int[] rowCounts, int seed) {
        int best = NativeKernels.limitIsa(Integer.MAX_VALUE);
        assumeTrue(best >= 2, "no AVX-512 VNNI here");
        try {
            for (int cols : widths) {
                for (int rows : rowCounts) {
                    TestData.Quantized q = TestData.Quantized.of(type, TestData.gaussian(seed + rows, rows * cols));
                    float[] x = TestData.gaussian(seed + 1 + cols, cols);
                    float[][] out = new float[2][rows + 3];
                    for (int level = 1; level <= 2; level++) {
                        NativeKernels.limitIsa(level);
                        q.tensor().matvec(x, 0, out[level - 1], 3, rows, cols);
                    }
                    for (int r = 0; r < rows; r++) {
                        assertEquals(Float.floatToRawIntBits(out[0][3 + r]), Float.floatToRawIntBits(out[1][3 + r]),
                                type + " " + rows + "x" + cols + " row " + r + ": " + out[0][3 + r] + " at AVX2, "
                                        + out[1][3 + r]);
                    }
                }
            }
        } finally {
            NativeKernels.limitIsa(best);
        }
    }

    /**
     * F32, F16 and BF16 weights with x in float: every instruction set this CPU has (forced in
     * turn) within float summation order (1e-5 of Σ |w·x|) of the Java float kernels, for 1, 17 and
     * 67 rows (tails of a four-row pass) and column counts with tails of every kind, on both sides of
     * 4,096 columns (AVX-512: one row per pass up to there, four rows per pass with a prefetch past it).
     */
    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16"})
    void floatKernelsMatchTheJavaFloatKernelsAtEveryInstructionSet(GGMLType type) {
        int best = NativeKernels.limitIsa(Integer.MAX_VALUE);
        for (int cols : new int[] {1, 15, 33, 576, 800, 4096, 4097, 4131}) {
            for (int rows : new int[] {1, 17, 67}) {
                float[] w = withExtremes(TestData.gaussian(11 + rows, rows * cols)), x = TestData.gaussian(13 + cols, cols);
                float[] negated = new float[cols];
                for (int i = 0; i < cols; i++) {
                    negated[i] = -2 * x[i];
                }
                TestData.Quantized q = TestData.Quantized.of(type, w);
                float[] dequant = q.reference();
                float[] exact = new float[rows + 3];
                NativeKernels.use("java");
                q.tensor().matvec(x, 0, exact, 3, rows, cols);
                NativeKernels.use("native");
                for (int level = 0; level <= best; level++) {
                    // the native results buffer is reused from product to product: fill it with another x's rows
                    // first (scalar C computes every row), so a row this level's kernel skipped cannot pass
                    NativeKernels.limitIsa(0);
                    q.tensor().matvec(negated, 0, new float[rows + 3], 3, rows, cols);
                    NativeKernels.limitIsa(level);
                    float[] out = new float[rows + 3];
                    q.tensor().matvec(x, 0, out, 3, rows, cols);
                    for (int r = 0; r < rows; r++) {
                        double magnitude = 0;
                        for (int i = 0; i < cols; i++) {
                            magnitude += Math.abs((double) dequant[r * cols + i] * x[i]);
                        }
                        assertEquals(exact[3 + r], out[3 + r], 1e-5 * magnitude + 1e-30,
                                type + " level " + level + " " + rows + "x" + cols + " row " + r);
                    }
                    assertEquals(0f, out[0] + out[1] + out[2], "nothing written before the output offset");
                }
            }
        }
    }

    /**
     * Float weights read x where it is, in the Java array (no copy): from any offset, after x changed in place since
     * the last product, and with the output in the same array as x, the products equal those of x alone bit for bit.
     */
    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16"})
    void floatWeightsReadXInPlaceFromAnyOffset(GGMLType type) {
        int rows = 19, cols = 576;
        TestData.Quantized q = TestData.Quantized.of(type, TestData.gaussian(5, rows * cols));
        float[] x = TestData.gaussian(6, cols), expected = new float[rows];
        q.tensor().matvec(x, 0, expected, 0, rows, cols);
        float[] shifted = new float[cols + rows + 7];
        System.arraycopy(x, 0, shifted, 7, cols);
        for (int round = 0; round < 2; round++) {
            float[] out = new float[rows];
            q.tensor().matvec(shifted, 7, out, 0, rows, cols);
            assertArrayEquals(expected, out, type + " round " + round);
            q.tensor().matvec(shifted, 7, shifted, 7 + cols, rows, cols); // the output after x in its array
            assertArrayEquals(expected, Arrays.copyOfRange(shifted, 7 + cols, 7 + cols + rows), type + " in one array");
            float[] other = TestData.gaussian(7 + round, cols);
            q.tensor().matvec(other, 0, out, 0, rows, cols);
            System.arraycopy(other, 0, shifted, 7, cols); // x changed in place: the next product reads the new values
            x = other;
            q.tensor().matvec(x, 0, expected, 0, rows, cols);
            q.tensor().matvec(shifted, 7, out, 0, rows, cols);
            assertArrayEquals(expected, out, type + " after x changed, round " + round);
        }
    }

    /** Gaussian weights with a few values at the ends of the half range: subnormal, tiny and near 65504. */
    private static float[] withExtremes(float[] w) {
        float[] extremes = {3e-7f, -6e-8f, 1e-5f, 60000f, -65504f};
        for (int i = 0; i < w.length; i += 7) {
            w[i] = extremes[(i / 7) % extremes.length];
        }
        return w;
    }

    /**
     * |x − d·q| ≤ d/2 for each value of x (d = its block's max |x| / 127), so a row differs from the
     * float kernel's by at most Σ |w_i|·d_i/2, plus float rounding (1e-5 of Σ |w_i·x_i|).
     */
    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q8_0", "Q4_K", "Q6_K"})
    void nativeStaysWithinTheRoundingOfEightBitInputs(GGMLType type) {
        int rows = 67, cols = 2048;
        float[] w = TestData.gaussian(3, rows * cols), x = TestData.gaussian(4, cols);
        TestData.Quantized q = TestData.Quantized.of(type, w);
        float[] dequant = q.reference();
        float[] exact = new float[rows], fast = new float[rows];
        NativeKernels.use("java");
        q.tensor().matvec(x, exact, rows, cols);
        NativeKernels.use("native");
        q.tensor().matvec(x, fast, rows, cols);
        int block = type.blockSize() == 256 ? 256 : 32;
        double worst = 0, scale = 0;
        for (int r = 0; r < rows; r++) {
            scale = Math.max(scale, Math.abs(exact[r]));
        }
        for (int r = 0; r < rows; r++) {
            double bound = 0, magnitude = 0;
            for (int i = 0; i < cols; i++) {
                double wi = dequant[r * cols + i];
                bound += Math.abs(wi) * IntegerReference.blockScale(x, i / block * block, block) / 2;
                magnitude += Math.abs(wi * x[i]);
            }
            double diff = Math.abs(exact[r] - fast[r]);
            assertTrue(diff <= bound + 1e-5 * magnitude, type + " row " + r + ": " + fast[r] + " vs " + exact[r]
                    + ", bound " + bound);
            worst = Math.max(worst, diff / scale);
        }
        System.out.printf(Locale.ROOT, "native %s (%s), %d x %d: max |native - float| / max |float| = %.2e%n", type,
                NativeKernels.isaName(), rows, cols, worst);
    }

    /** Fused products (decode's q/k/v and gate/up) give each matrix's separate product bit for bit. */
    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q8_0", "Q4_K", "Q6_K", "F32", "F16", "BF16"})
    void fusedProductsEqualSeparateOnesBitForBit(GGMLType type) {
        int cols = 512;
        int[] rows = {67, 19, 130};
        GGMLType[] types = {type, GGMLType.Q8_0, type};
        FloatTensor[] weights = new FloatTensor[3];
        float[][] fused = new float[3][];
        for (int i = 0; i < 3; i++) {
            weights[i] = TestData.Quantized.of(types[i], TestData.gaussian(20 + i, rows[i] * cols)).tensor();
            fused[i] = new float[rows[i]];
        }
        float[] x = TestData.gaussian(30, cols);
        FloatTensor.matvecs(x, cols, weights, fused, rows);
        for (int i = 0; i < 3; i++) {
            float[] alone = new float[rows[i]];
            weights[i].matvec(x, alone, rows[i], cols);
            for (int r = 0; r < rows[i]; r++) {
                assertEquals(Float.floatToRawIntBits(alone[r]), Float.floatToRawIntBits(fused[i][r]), types[i] + " matrix " + i + " row " + r);
            }
        }
        float[] g = new float[rows[0]], u = new float[rows[0]];
        FloatTensor.matvecsThen(x, cols, new FloatTensor[] {weights[0], weights[2]}, new float[][] {g, u}, 19, (from, to) -> { });
        float[] g1 = new float[rows[0]], u1 = new float[rows[0]];
        weights[0].matvec(x, g1, 19, cols);
        weights[2].matvec(x, u1, 19, cols);
        for (int r = 0; r < 19; r++) {
            assertEquals(Float.floatToRawIntBits(g1[r]), Float.floatToRawIntBits(g[r]), type + " gate row " + r);
            assertEquals(Float.floatToRawIntBits(u1[r]), Float.floatToRawIntBits(u[r]), type + " up row " + r);
        }
    }

    /**
     * A product's rows in ranges of any length and start (how {@link Parallel}'s guided tails cut decode's products)
     * give the floats of one range over all rows, bit for bit, at every instruction set: a row's sum does not depend
     * on which rows share its call or its pass (1–13 rows per range here; F32 past 4,096 columns takes four rows a pass).
     * F32, F16 and BF16 on AVX-512: a range's leftover rows run one row a pass in steps of 64 columns, the others four a
     * pass in steps of 32, so a one-row pass that sums in any other order fails here (F32 at 576 columns, every type at
     * 4,160).
     */
    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q8_0", "Q4_K", "Q6_K", "F32", "F16", "BF16"})
    void rowsInRangesOfAnyLengthEqualOneRangeBitForBit(GGMLType type) {
        int best = NativeKernels.limitIsa(Integer.MAX_VALUE);
        int rows = 67;
        for (int cols : type.blockSize() == 256 ? new int[] {512} : new int[] {576, 4160}) {
            FloatTensor t = TestData.Quantized.of(type, TestData.gaussian(40 + cols, rows * cols)).tensor();
            float[] x = TestData.gaussian(41, cols);
            for (int level = 0; level <= best; level++) {
                NativeKernels.limitIsa(level);
                float[] whole = new float[rows], pieces = new float[rows];
                product(t, x, whole, rows, cols, 0);
                product(t, x, pieces, rows, cols, 13);
                for (int r = 0; r < rows; r++) {
                    assertEquals(Float.floatToRawIntBits(whole[r]), Float.floatToRawIntBits(pieces[r]),
                            type + " level " + level + " " + cols + " columns, row " + r);
                }
            }
            NativeKernels.limitIsa(best);
        }
    }

    /** out = t · x, in one range ({@code longest} 0) or in ranges of 1, 2, ... {@code longest} rows, over again. */
    private static void product(FloatTensor t, float[] x, float[] out, int rows, int cols, int longest) {
        PreparedInputs.startProduct();
        try {
            FloatTensor.MatvecRows body = t.matvecRows(x, 0, out, 0, rows, cols);
            for (int from = 0, k = 0; from < rows; k++) {
                int to = longest == 0 ? rows : Math.min(rows, from + 1 + k % longest);
                body.run(from, to);
                from = to;
            }
        } finally {
            PreparedInputs.endProduct();
        }
    }

    /**
     * The quantized x is the same bytes at every instruction set, for Q4_0 and Q8_0 weights (quants, scales, block
     * sums) and for the K-quants (Q8K: scale, 16- and 32-value sums, quants): blocks whose values land exactly halfway
     * between two quants (rounded half to even), an all-zero block, one value far above the rest, gaussian ones.
     */
    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q4_K"})
    void theQuantizedInputIsTheSameAtEveryInstructionSet(GGMLType type) {
        int code = NativeKernels.typeCode(type), block = NativeKernels.superBlocks(code) ? 256 : 32;
        int best = NativeKernels.limitIsa(Integer.MAX_VALUE);
        for (int cols : block == 256 ? new int[] {256, 1280, 2048} : new int[] {32, 96, 576, 1536}) {
            float[] x = TestData.gaussian(17 + cols, cols);
            for (int i = 0; i < block; i++) {
                x[i] = i == 5 ? -127f : (i % 32 - 16) + 0.5f; /* d = 1: every other value a tie */
            }
            if (cols > block) {
                java.util.Arrays.fill(x, block, 2 * block, 0f);
                x[cols - 3] = 1e4f;
            }
            byte[] scalar = null;
            for (int level = 0; level <= best; level++) {
                NativeKernels.limitIsa(level);
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment xq = arena.allocate(NativeKernels.quantizedBytes(code, cols));
                    NativeKernels.quantize(code, arena.allocateFrom(ValueLayout.JAVA_FLOAT, x), cols, xq);
                    byte[] bytes = xq.toArray(ValueLayout.JAVA_BYTE);
                    if (level == 0) {
                        scalar = bytes;
                        int quants = block == 256 ? NativeKernels.Q8K_BYTES - 256 : 0; /* where the first quant is */
                        assertEquals(-127, bytes[quants + 5], "the -127 of the first block");
                        assertEquals(-16, bytes[quants], "-15.5 rounds half to even: -16");
                        assertEquals(-14, bytes[quants + 1], "-14.5 rounds half to even: -14");
                    } else {
                        assertArrayEquals(scalar, bytes, type + " level " + level + ", " + cols + " columns");
                    }
                }
            }
        }
    }

    @Test
    void rowRangesWriteOnlyTheirRows() {
        int rows = 40, cols = 512;
        float[] w = TestData.gaussian(5, rows * cols), x = TestData.gaussian(6, cols);
        TestData.Quantized q = TestData.Quantized.of(GGMLType.Q4_K, w);
        IntegerReference ref = new IntegerReference(GGMLType.Q4_K, q.bytes(), x, cols);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment xf = arena.allocateFrom(ValueLayout.JAVA_FLOAT, x);
            MemorySegment xq = arena.allocate(NativeKernels.quantizedBytes(NativeKernels.Q4_K, cols));
            MemorySegment out = arena.allocate(4L * rows);
            NativeKernels.quantize(NativeKernels.Q4_K, xf, cols, xq);
            NativeKernels.matvec(NativeKernels.Q4_K, MemorySegment.ofArray(q.bytes()), GGMLType.Q4_K.byteSize(cols), xq,
                    cols, 13, 29, out);
            for (int r = 0; r < rows; r++) {
                float v = out.getAtIndex(ValueLayout.JAVA_FLOAT, r);
                if (r < 13 || r >= 29) {
                    assertEquals(0f, v, "row " + r + " outside [13, 29)");
                } else {
                    assertEquals(ref.row(r), v, 1e-5 * ref.magnitude(r), "row " + r);
                }
            }
        }
    }

    @Test
    void javaKernelsAreExactAndReported() {
        float[] w = TestData.gaussian(1, 4 * 256), x = TestData.gaussian(2, 256);
        TestData.Quantized q = TestData.Quantized.of(GGMLType.Q6_K, w);
        float[] dequant = q.reference();
        NativeKernels.use("java");
        assertTrue(NativeKernels.describe().startsWith("kernels: java"), NativeKernels.describe());
        float[] out = new float[4];
        q.tensor().matvec(x, out, 4, 256);
        for (int r = 0; r < 4; r++) {
            float expected = VectorOps.dot(dequant, r * 256, x, 0, 256);
            assertEquals(expected, out[r], 1e-5f * Math.abs(expected) + 1e-6f);
        }
        NativeKernels.use("native");
        assertTrue(NativeKernels.describe().startsWith("kernels: native " + NativeKernels.isaName()), NativeKernels.describe());
    }

    @Test
    void anUnknownKernelNameIsRefusedWithTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NativeKernels.use("fast"));
        assertEquals("--kernels must be native or java, not 'fast'", e.getMessage());
    }
}
