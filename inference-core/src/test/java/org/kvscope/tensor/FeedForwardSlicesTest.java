package org.kvscope.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kvscope.gguf.GGMLType;

/**
 * Prefill's feed-forward block in slices of hidden units ({@link FloatTensor#feedForward}): a slice quantized into
 * its columns of whole rows gives the bytes of the whole rows' quantization, and the block's outputs are those of
 * gate and up by {@link FloatTensor#matmuls}, SwiGLU and down by {@link FloatTensor#matmuls}, bit for bit, for every
 * native type at every instruction-set level with tiles, and in the Java kernels (F32, F16; every type without tiles or
 * with {@code --kernels java}); mixed native and Java products do not apply.
 */
@ExtendWith(NativeLevels.class)
class FeedForwardSlicesTest {
    /**
     * Columns [c0, c0 + width) of rows quantized into their places, slice by slice (widths that end inside one of
     * kvs_quantize_slice's 256-value steps, and uneven ones), equal the quantization of the whole rows byte for byte:
     * a Q8_0 row's quants, scales and (but at AVX-512) block sums each land at their slice's offsets.
     */
    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q8_0", "Q4_K", "Q6_K", "BF16"})
    void slicesQuantizeToTheBytesOfWholeRows(GGMLType type) {
        int cols = 1536, batch = 5;
        int[][] slicings = type.blockSize() == 256
                ? new int[][] {{256, 1280}, {512, 768, 256}, {1536}}
                : new int[][] {{256, 1280}, {96, 416, 1024}, {32, 1504}, {1536}};
        int code = NativeKernels.typeCode(type);
        long rowBytes = NativeMatmul.inputBytes(code, cols);
        float[] x = TestData.gaussian(3, batch * cols);
        int best = NativeKernels.limitIsa(Integer.MAX_VALUE);
        for (int level = 0; level <= best; level++) {
            NativeKernels.limitIsa(level);
            if (type == GGMLType.BF16 && !NativeMatmul.bf16Tiled()) {
                continue;
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment whole = arena.allocate(rowBytes * batch, 64);
                NativeMatmul.quantizeRows(code, MemorySegment.ofArray(x), cols, 0, batch, whole, rowBytes);
                for (int[] widths : slicings) {
                    MemorySegment sliced = arena.allocate(rowBytes * batch, 64);
                    int c0 = 0;
                    for (int width : widths) {
                        float[] part = new float[batch * width];
                        for (int b = 0; b < batch; b++) {
                            System.arraycopy(x, b * cols + c0, part, b * width, width);
                        }
                        NativeMatmul.quantizeSlice(code, MemorySegment.ofArray(part), width, 0, batch, cols, c0, sliced,
                                rowBytes);
                        c0 += width;
                    }
                    byte[] want = whole.toArray(ValueLayout.JAVA_BYTE), got = sliced.toArray(ValueLayout.JAVA_BYTE);
                    for (int i = 0; i < want.length; i++) {
                        assertEquals(want[i], got[i], type + " level " + level + " slices " + Arrays.toString(widths)
                                + ": byte " + i % rowBytes + " of row " + i / rowBytes);
                    }
                }
            }
        }
    }

    /**
     * The block in slices equals gate and up, SwiGLU and down run whole, bit for bit: every native type for gate/up
     * with Q8_0 and Q6_K down and its own, slices that divide ffn and ones that leave a shorter last slice (and of
     * 192 units where down takes 32-value blocks), batches with every remainder of four rows, the prepare step run
     * once per row; at every level with tiles.
     */
    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q8_0", "Q4_K", "Q6_K", "BF16"})
    void slicedBlockGivesTheWholeBlocksFloats(GGMLType type) {
        int dim = 256, ffn = 1280;
        for (GGMLType downType : new GGMLType[] {type, GGMLType.Q8_0, GGMLType.Q6_K}) {
            FloatTensor gate = TestData.Quantized.of(type, TestData.gaussian(11, ffn * dim)).tensor();
            FloatTensor up = TestData.Quantized.of(type, TestData.gaussian(12, ffn * dim)).tensor();
            FloatTensor down = TestData.Quantized.of(downType, TestData.gaussian(13, dim * ffn)).tensor();
            int best = NativeKernels.limitIsa(Integer.MAX_VALUE);
            for (int level = 0; level <= best; level++) {
                NativeKernels.limitIsa(level);
                boolean nativeTypes = NativeMatmul.tiled() && (type != GGMLType.BF16 || NativeMatmul.bf16Tiled());
                boolean nativeDown = NativeMatmul.tiled() && (downType != type || nativeTypes);
                assertEquals(nativeTypes == nativeDown, FloatTensor.slicesFeedForward(gate, up, down, dim, ffn),
                        type + "/" + downType + " level " + level + ": all native or all Java kernels");
                if (nativeTypes != nativeDown) {
                    assertThrows(IllegalArgumentException.class, () -> FloatTensor.feedForward(new float[2 * dim], 2,
                            dim, gate, up, down, ffn, new float[2 * dim], null));
                    continue;
                }
                if (!nativeTypes) { // no tiles (scalar level) or no BF16 tiles: the Java kernels' slices
                    assertFloatSlices(type + "/" + downType + " level " + level, dim, ffn, gate, up, down,
                            new int[] {FloatTensor.UNITS, 192});
                    continue;
                }
                boolean superBlocks = downType.blockSize() == 256;
                if (superBlocks) {
                    assertThrows(IllegalArgumentException.class, () -> NativeMatmul.feedForward(new float[2 * dim], 2,
                            dim, gate, up, down, ffn, 192, new float[2 * dim], null), "slices inside K-quant blocks");
                }
                for (int batch : new int[] {2, 7, 16}) {
                    for (int slice : superBlocks ? new int[] {256, 512, 1024} : new int[] {192, 256, 512}) {
                        String where = type + "/" + downType + " level " + level + ", batch " + batch + ", slices of "
                                + slice;
                        float[] source = TestData.gaussian(20 + batch, batch * dim);
                        float[] want = whole(source, batch, dim, ffn, gate, up, down);
                        float[] x = source.clone(), out = new float[batch * dim];
                        NativeMatmul.feedForward(x, batch, dim, gate, up, down, ffn, slice, out,
                                (from, to) -> {
                                    for (int i = from * dim; i < to * dim; i++) {
                                        x[i] += 1f;
                                    }
                                });
                        for (int i = 0; i < out.length; i++) {
                            assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(out[i]),
                                    where + ": output " + i + " of row " + i / dim);
                        }
                    }
                }
            }
        }
    }

    /**
     * Native and Java kernels mixed in one block (F32 or F16 beside a native type) and shapes off the slices' grid
     * take no slices; with {@code --kernels java} every type takes the Java kernels' slices.
     */
    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q6_K"})
    void mixedKernelsTakeNoSlices(GGMLType type) {
        FloatTensor w = TestData.Quantized.of(type, TestData.gaussian(1, 512 * 256)).tensor();
        assertTrue(FloatTensor.slicesFeedForward(w, w, w, 256, 512));
        NativeKernels.use("java");
        assertTrue(FloatTensor.slicesFeedForward(w, w, w, 256, 512), "the Java kernels' slices");
        assertFalse(FloatTensor.slicesFeedForward(w, w, w, 256, 480), "ffn not a multiple of 64, Java kernels");
        NativeKernels.use("native");
        assertFalse(FloatTensor.slicesFeedForward(w, w, w, 256, 480), "ffn not a multiple of 64");
        for (GGMLType floats : new GGMLType[] {GGMLType.F32, GGMLType.F16}) {
            FloatTensor f = TestData.Quantized.of(floats, TestData.gaussian(2, 512 * 256)).tensor();
            assertTrue(FloatTensor.slicesFeedForward(f, f, f, 256, 512), floats + " all");
            assertEquals(!NativeMatmul.tiled(), FloatTensor.slicesFeedForward(w, w, f, 256, 512), floats + " down");
            assertEquals(!NativeMatmul.tiled(), FloatTensor.slicesFeedForward(f, w, w, 256, 512), floats + " gate");
        }
        assertThrows(IllegalArgumentException.class, () -> FloatTensor.feedForwardFloats(new float[512], 2, 256, w, w,
                w, 512, 128, new float[512], null, null), "native products are not the Java kernels' slices");
    }

    /**
     * In the Java kernels (F32 and F16 weights; any type with {@code --kernels java}) the block in slices equals gate
     * and up, SwiGLU and down run whole, bit for bit, at this JVM's vector width (the build runs this class at 4, 8
     * and 16 lanes): down of the same type and of another Java one, slices that divide ffn and ones that leave a
     * shorter last slice, batches with every remainder of four rows (the rows after the last group of four stay rows
     * in down's packed input), the prepare step run once per row, down's input in the caller's work array, in the
     * thread's own where none is given or it is one float short.
     */
    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "Q8_0", "Q4_K"})
    void floatSlicesGiveTheWholeBlocksFloats(GGMLType type) {
        int dim = 256, ffn = 1280;
        boolean quantized = type.blockSize() > 1;
        if (quantized) {
            NativeKernels.use("java");
        }
        GGMLType other = quantized ? GGMLType.Q6_K : type == GGMLType.F32 ? GGMLType.F16 : GGMLType.F32;
        for (GGMLType downType : new GGMLType[] {type, other}) {
            FloatTensor gate = TestData.Quantized.of(type, TestData.gaussian(11, ffn * dim)).tensor();
            FloatTensor up = TestData.Quantized.of(type, TestData.gaussian(12, ffn * dim)).tensor();
            FloatTensor down = TestData.Quantized.of(downType, TestData.gaussian(13, dim * ffn)).tensor();
            assertTrue(FloatTensor.slicesFeedForward(gate, up, down, dim, ffn), type + "/" + downType);
            assertFloatSlices(type + "/" + downType, dim, ffn, gate, up, down, new int[] {FloatTensor.UNITS, 64, 192, ffn});
            assertThrows(IllegalArgumentException.class, () -> FloatTensor.feedForwardFloats(new float[2 * dim], 2,
                    dim, gate, up, down, ffn, 96, new float[2 * dim], null, null), "slices of 96 units");
        }
    }

    /** The Java kernels' block in slices of each of {@code units} against {@link #whole}, bit for bit. */
    private static void assertFloatSlices(String what, int dim, int ffn, FloatTensor gate, FloatTensor up,
                                          FloatTensor down, int[] units) {
        for (int batch : new int[] {2, 5, 7, 16, 19}) {
            float[] source = TestData.gaussian(20 + batch, batch * dim);
            float[] want = whole(source, batch, dim, ffn, gate, up, down);
            for (int slice : units) {
                for (int chunk : CHUNKS) {
                    int before = FloatTensor.downColumns(chunk);
                    try {
                        String where = what + ", batch " + batch + ", slices of " + slice + ", chunks of " + chunk;
                        assertFloatSlice(where, batch, dim, ffn, gate, up, down, slice, source, want, false);
                        // as prefill calls it: out is x (x's rows after the last group of four outlive the first chunk)
                        assertFloatSlice(where + ", out x", batch, dim, ffn, gate, up, down, slice, source, want, true);
                    } finally {
                        FloatTensor.downColumns(before);
                    }
                }
            }
        }
    }

    /**
     * Hidden units per chunk of down's input tried (FloatTensor.downColumns): 0 one chunk, 384 (one or three slices:
     * 1,280 units leave a shorter last chunk; not whole blocks of Q6_K/Q4_K rows: one chunk), 256, and the default.
     */
    private static final int[] CHUNKS = {0, 384, 256, 2048};

    /** One run of the block in slices against {@code want}, bit for bit; out x's own array where {@code inPlace}. */
    private static void assertFloatSlice(String where, int batch, int dim, int ffn, FloatTensor gate, FloatTensor up,
                                         FloatTensor down, int slice, float[] source, float[] want, boolean inPlace) {
        float[] x = source.clone(), out = inPlace ? x : new float[batch * dim];
        int[] prepared = new int[batch];
        // the caller's work array for down's input where it is large enough (its contents do not matter)
        float[] work = new float[batch * ffn - (slice == FloatTensor.UNITS ? 1 : 0)];
        Arrays.fill(work, Float.NaN);
        FloatTensor.feedForwardFloats(x, batch, dim, gate, up, down, ffn, slice, out, (from, to) -> {
            for (int i = from * dim; i < to * dim; i++) {
                x[i] += 1f;
            }
            for (int r = from; r < to; r++) {
                prepared[r]++;
            }
        }, slice == ffn ? null : work);
        for (int r = 0; r < batch; r++) {
            assertEquals(1, prepared[r], where + ": row " + r + " prepared once");
        }
        for (int i = 0; i < want.length; i++) {
            assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(out[i]),
                    where + ": output " + i + " of row " + i / dim);
        }
    }

    /** Gate and up by matmuls over whole rows of x + 1, SwiGLU, down by matmuls: the block as it runs unsliced. */
    private static float[] whole(float[] source, int batch, int dim, int ffn, FloatTensor gate, FloatTensor up,
                                 FloatTensor down) {
        float[] x = source.clone();
        for (int i = 0; i < x.length; i++) {
            x[i] += 1f;
        }
        float[] hb = new float[batch * ffn], hb2 = new float[batch * ffn], out = new float[batch * dim];
        FloatTensor.matmuls(x, batch, dim, new FloatTensor[] {gate, up}, new float[][] {hb, hb2}, new int[] {ffn, ffn});
        FloatTensor.matmuls(hb, batch, ffn, new FloatTensor[] {down}, new float[][] {out}, new int[] {dim},
                (from, to) -> VectorOps.swiglu(hb, hb2, from * ffn, to * ffn));
        return out;
    }
}
