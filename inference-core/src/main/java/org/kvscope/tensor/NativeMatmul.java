package org.kvscope.tensor;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Prefill's matrix products of quantized weights (Q4_0, Q8_0, Q4_K, Q6_K) through the native library
 * ({@code kvscope_matmul.c}): every activation row is quantized to 8 bits once per product, as decode
 * quantizes its vector (a fused product's matrices share it), then tiles of 16 weight rows are repacked
 * and every activation row runs through each tile in integer multiply-adds. The results differ from the
 * float kernels by that rounding of the activations, as decode's do; with {@code --kernels java}, where
 * the library is unavailable, and on CPUs without AVX2 (no tiles) the float kernels run instead.
 *
 * <p>BF16 weights run here too where the CPU has AVX-512 BF16 ({@code kvscope_bf16_matmul.c}): each activation
 * row is rounded to BF16 once per product, as llama.cpp does, and multiplied by {@code vdpbf16ps} in tiles of 32
 * rows; elsewhere their products stay in the Java float kernels.
 */
final class NativeMatmul {
    /** Weight rows per tile of the library (BF16: {@link #BF16_TILE}): chunks of the parallel loop are whole tiles. */
    private static final int TILE = 16;
    /** Weight rows per tile of the BF16 kernel: two vectors of 16 lanes. */
    private static final int BF16_TILE = 32;
    /** Chunks of tiles per participant: a tile of 256 activation rows is 9–25 µs of work, so about a tile per chunk. */
    private static final int CHUNKS_PER_THREAD = 32;

    private static final MethodHandle MATMUL = NativeKernels.downcall("kvs_matmul", FunctionDescriptor.ofVoid(
            JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle TILED = NativeKernels.downcall("kvs_matmul_tiled",
            FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle QUANTIZE_ROWS = NativeKernels.downcall("kvs_quantize_rows",
            FunctionDescriptor.ofVoid(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle QUANTIZE_SLICE = NativeKernels.downcall("kvs_quantize_slice",
            FunctionDescriptor.ofVoid(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS,
                    JAVA_LONG));
    private static final MethodHandle BF16_TILED = NativeKernels.downcall("kvs_bf16_tiled",
            FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle BF16_ROUND_ROWS = NativeKernels.downcall("kvs_bf16_round_rows",
            FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle BF16_MATMUL = NativeKernels.downcall("kvs_bf16_matmul", FunctionDescriptor.of(
            JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));

    /**
     * Activation encodings a fused product may need: Q8_0's 32-value blocks, the K-quants' 256-value blocks, and
     * Q4_0's 32-value blocks apart from Q8_0's, because the AVX2 tiles take Q4_0's quants + 128 and Q8_0's signed,
     * the AVX-512 tiles Q4_0's signed and Q8_0's + 128 (kvs_quantize_rows); sharing one buffer gave a Q8_0 matrix
     * fused after a Q4_0 one wrong outputs; and
     * BF16 weights' activations rounded to BF16.
     */
    private static final int FAMILIES = 4;
    /** Per calling thread: the quantized activations of each {@link #family}. */
    private static final ThreadLocal<MemorySegment[]> INPUTS = ThreadLocal.withInitial(
            () -> new MemorySegment[] {MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL});

    /**
     * Per calling thread: down's quantized input in {@link #feedForward}, filled slice by slice while gate's and up's
     * (in {@link #INPUTS}) are still read.
     */
    private static final ThreadLocal<MemorySegment[]> SLICED = ThreadLocal.withInitial(
            () -> new MemorySegment[] {MemorySegment.NULL});

    /** Which of the {@link #FAMILIES} activation encodings weights of typeCode take. */
    private static int family(int typeCode) {
        return NativeKernels.superBlocks(typeCode) ? 1 : typeCode == NativeKernels.Q4_0 ? 2
                : typeCode == NativeKernels.BF16 ? 3 : 0;
    }

    /** Weight rows per tile for weights of typeCode. */
    private static int tileRows(int typeCode) {
        return typeCode == NativeKernels.BF16 ? BF16_TILE : TILE;
    }

    /** Bytes of one activation row prepared for weights of typeCode: BF16 values (an odd count padded) or quants. */
    static long inputBytes(int typeCode, int cols) {
        return typeCode == NativeKernels.BF16 ? (2L * cols + 63) / 64 * 64 : NativeKernels.quantizedBytes(typeCode, cols);
    }

    private NativeMatmul() {}

    /**
     * The library's type code for a product of w of rows × cols through here, or -1 where the Java kernels run it:
     * also on CPUs without AVX2, where the library has no tiles (its row-by-row products, the tests' reference,
     * would read the weights once per activation row). BF16 weights only where {@link #bf16Tiled}.
     */
    static int typeCode(FloatTensor w, int rows, int cols) {
        if (!(w instanceof SegmentTensor) || !NativeKernels.active() || !tiled()) {
            return -1;
        }
        int code = NativeKernels.typeCode(w.type());
        boolean fits = code >= 0 && (!NativeKernels.floatInput(code) || code == NativeKernels.BF16 && bf16Tiled())
                && cols % w.type().blockSize() == 0 && (long) rows * cols <= w.size();
        return fits ? code : -1;
    }

    /**
     * out[i][b·rows[i] + r] = row r of weights[i] · x[b·cols ...] for every batch row b, for the matrices
     * whose {@link #typeCode} is not -1, as one parallel loop over their tiles; returns which were done.
     */
    static boolean[] matmuls(float[] x, int batch, int cols, FloatTensor[] weights, float[][] out, int[] rows,
                             Parallel.IntRangeBody prepare) {
        int n = weights.length;
        boolean[] done = new boolean[n];
        int[] codes = new int[n];
        MemorySegment[] inputs = new MemorySegment[FAMILIES];
        Parallel.IntRangeBody pending = prepare;
        boolean any = false;
        for (int i = 0; i < n; i++) {
            codes[i] = typeCode(weights[i], rows[i], cols);
            done[i] = codes[i] >= 0;
            any |= done[i];
            if (done[i]) {
                int family = family(codes[i]);
                if (inputs[family] == null) {
                    inputs[family] = quantized(x, batch, cols, codes[i], pending, INPUTS.get(), family);
                    pending = null;
                }
            }
        }
        if (pending != null) { // no quantization loop ran: the rows are prepared in a loop of their own
            Parallel.forRange(batch, 1, pending);
        }
        if (!any) {
            return done;
        }
        MemorySegment[] w = new MemorySegment[n], xq = new MemorySegment[n], outs = new MemorySegment[n];
        long[] rowBytes = new long[n];
        for (int i = 0; i < n; i++) {
            if (done[i]) {
                w[i] = ((SegmentTensor) weights[i]).m;
                rowBytes[i] = weights[i].type().byteSize(cols);
                xq[i] = inputs[family(codes[i])];
                outs[i] = MemorySegment.ofArray(out[i]);
            }
        }
        tiles(codes, done, w, rowBytes, xq, cols, batch, rows, outs);
        return done;
    }

    /**
     * outs[i][b·rows[i] + r] = row r of w[i] (codes[i]'s weights, rowBytes[i] apart) · activation row b of xq[i]
     * (prepared for codes[i]) for r &lt; rows[i] and b &lt; batch, for the matrices with {@code take[i]}, as one
     * parallel loop over their tiles.
     */
    private static void tiles(int[] codes, boolean[] take, MemorySegment[] w, long[] rowBytes, MemorySegment[] xq,
                              int cols, int batch, int[] rows, MemorySegment[] outs) {
        int n = codes.length;
        int[] firstTile = new int[n + 1];
        for (int i = 0; i < n; i++) {
            firstTile[i + 1] = firstTile[i] + (take[i] ? (rows[i] + tileRows(codes[i]) - 1) / tileRows(codes[i]) : 0);
        }
        Parallel.forRange(firstTile[n], 1, CHUNKS_PER_THREAD, (t0, t1) -> {
            for (int i = 0; i < n; i++) {
                int a = Math.max(t0, firstTile[i]), b = Math.min(t1, firstTile[i + 1]);
                if (a < b) {
                    int tile = tileRows(codes[i]);
                    int from = (a - firstTile[i]) * tile, to = Math.min(rows[i], (b - firstTile[i]) * tile);
                    matmul(codes[i], w[i], rowBytes[i], xq[i], inputBytes(codes[i], cols), cols, batch, from, to,
                            outs[i], rows[i]);
                }
            }
        });
    }

    /**
     * Whether {@link #feedForward} runs here: gate and up (ffn × dim) and down (dim × ffn) all native
     * ({@link #typeCode}), and ffn a multiple of 64 (SwiGLU's vectors then take the same values in a slice of
     * {@link #UNITS} as in whole rows, and every slice is whole tiles and activation blocks).
     */
    static boolean slicesFeedForward(FloatTensor gate, FloatTensor up, FloatTensor down, int dim, int ffn) {
        return ffn % 64 == 0 && typeCode(gate, ffn, dim) >= 0 && typeCode(up, ffn, dim) >= 0
                && typeCode(down, dim, ffn) >= 0;
    }

    /** Hidden units per slice of {@link #feedForward}: one K-quant block of down's input, 16 or 8 whole tiles. */
    static final int UNITS = 256;

    /**
     * Prefill's feed-forward products in slices of {@link #UNITS} hidden units, where {@link #slicesFeedForward}:
     * out[b·dim ...] = down · SwiGLU(gate · x_b, up · x_b) for every batch row b; see
     * {@link #feedForward(float[], int, int, FloatTensor, FloatTensor, FloatTensor, int, int, float[],
     * Parallel.IntRangeBody)}.
     */
    static void feedForward(float[] x, int batch, int dim, FloatTensor gate, FloatTensor up, FloatTensor down, int ffn,
                            float[] out, Parallel.IntRangeBody prepare) {
        feedForward(x, batch, dim, gate, up, down, ffn, UNITS, out, prepare);
    }

    /**
     * {@link #feedForward} in slices of {@code units} hidden units (a multiple of 64; of 256 where down is a K-quant),
     * the last one shorter where ffn is no multiple. x's rows are quantized once (each range first written by
     * {@code prepare}, as in {@link #matmuls}); then one parallel loop over the slices: per slice [h, h + s), gate's and
     * up's weight rows h.. (every tile read and repacked once, as in one product) for every batch row into the
     * thread's two batch × s buffers, SwiGLU over them, and the slice quantized into its columns of down's quantized
     * input (kvs_quantize_slice: quantization is per block, so these are the bytes of whole rows); down runs once at
     * the end. The floats are those of gate and up by {@link #matmuls}, SwiGLU over whole rows and down by
     * {@link #matmuls}, bit for bit, with no batch × ffn floats of gate and up outputs anywhere (a 256-row
     * Llama-3.2-1B chunk: 16 MiB) and as many hand-offs to the cores as those two products.
     */
    static void feedForward(float[] x, int batch, int dim, FloatTensor gate, FloatTensor up, FloatTensor down, int ffn,
                            int units, float[] out, Parallel.IntRangeBody prepare) {
        if (!slicesFeedForward(gate, up, down, dim, ffn) || units <= 0 || units % 64 != 0
                || NativeKernels.superBlocks(typeCode(down, dim, ffn)) && units % 256 != 0) {
            throw new IllegalArgumentException("feed-forward block in slices of " + units + " hidden units of " + ffn
                    + ": needs native products of " + gate.type() + ", " + up.type() + " and " + down.type()
                    + ", and multiples of 64 (256 for K-quant down)");
        }
        FloatTensor.requireBlockRows(x, out, batch, dim);
        int[] codes = {typeCode(gate, ffn, dim), typeCode(up, ffn, dim)};
        MemorySegment[] inputs = new MemorySegment[FAMILIES], xq = new MemorySegment[2];
        Parallel.IntRangeBody pending = prepare;
        for (int i = 0; i < 2; i++) {
            int family = family(codes[i]);
            if (inputs[family] == null) {
                inputs[family] = quantized(x, batch, dim, codes[i], pending, INPUTS.get(), family);
                pending = null;
            }
            xq[i] = inputs[family];
        }
        int downCode = typeCode(down, dim, ffn);
        long downBytes = inputBytes(downCode, ffn);
        MemorySegment downInput = sliced(downBytes * batch);
        MemorySegment[] w = {((SegmentTensor) gate).m, ((SegmentTensor) up).m};
        long[] rowBytes = {gate.type().byteSize(dim), up.type().byteSize(dim)};
        long[] xBytes = {inputBytes(codes[0], dim), inputBytes(codes[1], dim)};
        Parallel.forRange((ffn + units - 1) / units, 1, (s0, s1) -> {
            float[][] buffers = FloatTensor.sliceBuffers(batch * units);
            float[] g = buffers[0], u = buffers[1];
            MemorySegment[] outs = {MemorySegment.ofArray(g), MemorySegment.ofArray(u)};
            for (int k = s0; k < s1; k++) {
                int h = k * units, s = Math.min(units, ffn - h);
                for (int i = 0; i < 2; i++) {
                    matmul(codes[i], w[i].asSlice(h * rowBytes[i]), rowBytes[i], xq[i], xBytes[i], dim, batch, 0, s,
                            outs[i], s);
                }
                VectorOps.swiglu(g, u, 0, batch * s);
                quantizeSlice(downCode, outs[0], s, 0, batch, ffn, h, downInput, downBytes);
            }
        });
        tiles(new int[] {downCode}, new boolean[] {true}, new MemorySegment[] {((SegmentTensor) down).m},
                new long[] {down.type().byteSize(ffn)}, new MemorySegment[] {downInput}, ffn, batch, new int[] {dim},
                new MemorySegment[] {MemorySegment.ofArray(out)});
    }

    /**
     * Rows [from, to) of x (rows of sliceCols floats: columns [c0, c0 + sliceCols) of rows of cols values) prepared for
     * typeCode into their places in dst's rows of cols values, rowBytes apart: the bytes {@link #quantizeRows} writes
     * there for whole rows.
     */
    static void quantizeSlice(int typeCode, MemorySegment x, int sliceCols, int from, int to, int cols, int c0,
                              MemorySegment dst, long rowBytes) {
        try {
            if (typeCode == NativeKernels.BF16) { // one BF16 value per float: the slice is one range of each row
                BF16_ROUND_ROWS.invokeExact(x, sliceCols, from, to, dst.asSlice(2L * c0), rowBytes);
                return;
            }
            QUANTIZE_SLICE.invokeExact(typeCode, x, sliceCols, from, to, cols, c0, dst, rowBytes);
        } catch (Throwable t) {
            throw NativeKernels.failure(t);
        }
    }

    /** Whether the library multiplies in tiles at the instruction set it uses now. */
    static boolean tiled() {
        try {
            return (int) TILED.invokeExact() != 0;
        } catch (Throwable t) {
            throw NativeKernels.failure(t);
        }
    }

    /** Whether the library has BF16 tiles (AVX-512 BF16, at its AVX-512 level now). */
    static boolean bf16Tiled() {
        try {
            return (int) BF16_TILED.invokeExact() != 0;
        } catch (Throwable t) {
            throw NativeKernels.failure(t);
        }
    }

    /**
     * The batch rows of x quantized for weights of typeCode, in held[slot] (this thread's buffer, grown as needed); with
     * a {@code prepare}, each range of rows is first written by it, in the same loop (no hand-off of its own).
     */
    private static MemorySegment quantized(float[] x, int batch, int cols, int typeCode, Parallel.IntRangeBody prepare,
                                           MemorySegment[] held, int slot) {
        long rowBytes = inputBytes(typeCode, cols);
        MemorySegment dst = grown(held, slot, rowBytes * batch), src = MemorySegment.ofArray(x);
        Parallel.forRange(batch, 8, (from, to) -> {
            if (prepare != null) {
                prepare.run(from, to);
            }
            quantizeRows(typeCode, src, cols, from, to, dst, rowBytes);
        });
        return dst;
    }

    /** held[slot], first replaced by a larger native buffer where it holds fewer than {@code bytes}. */
    private static MemorySegment grown(MemorySegment[] held, int slot, long bytes) {
        if (held[slot].byteSize() < bytes) {
            held[slot] = Arena.ofAuto().allocate(Math.max(bytes, 2 * held[slot].byteSize()), 64);
        }
        return held[slot];
    }

    /** This thread's buffer for down's quantized input in {@link #feedForward}, of at least {@code bytes}. */
    private static MemorySegment sliced(long bytes) {
        return grown(SLICED.get(), 0, bytes);
    }

    /** Activation rows [from, to) of x (rows of cols floats) quantized (BF16: rounded) for typeCode into dst, rowBytes apart. */
    static void quantizeRows(int typeCode, MemorySegment x, int cols, int from, int to, MemorySegment dst, long rowBytes) {
        try {
            if (typeCode == NativeKernels.BF16) {
                BF16_ROUND_ROWS.invokeExact(x, cols, from, to, dst, rowBytes);
                return;
            }
            QUANTIZE_ROWS.invokeExact(typeCode, x, cols, from, to, dst, rowBytes);
        } catch (Throwable t) {
            throw NativeKernels.failure(t);
        }
    }

    /** out[b·outStride + r] = row r · activation row b for r in [from, to), b &lt; batch; xq rows xBytes apart. */
    static void matmul(int typeCode, MemorySegment w, long rowBytes, MemorySegment xq, long xBytes, int cols, int batch,
                       int from, int to, MemorySegment out, long outStride) {
        int faults = NativeKernels.faults();
        int done = 1;
        try {
            if (typeCode == NativeKernels.BF16) {
                done = (int) BF16_MATMUL.invokeExact(w, rowBytes, xq, xBytes, cols, batch, from, to, out, outStride);
            } else {
                MATMUL.invokeExact(typeCode, w, rowBytes, xq, xBytes, cols, batch, from, to, out, outStride);
            }
        } catch (Throwable t) {
            throw NativeKernels.failure(t);
        }
        NativeKernels.checkFaults(faults);
        if (done == 0) {
            throw new OutOfMemoryError("native BF16 product: no memory for a tile of " + cols + " columns");
        }
    }

}
