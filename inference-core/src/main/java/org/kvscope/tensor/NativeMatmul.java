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
        int[] codes = new int[n], firstTile = new int[n + 1];
        MemorySegment[] inputs = new MemorySegment[FAMILIES];
        Parallel.IntRangeBody pending = prepare;
        for (int i = 0; i < n; i++) {
            codes[i] = typeCode(weights[i], rows[i], cols);
            done[i] = codes[i] >= 0;
            firstTile[i + 1] = firstTile[i] + (done[i] ? (rows[i] + tileRows(codes[i]) - 1) / tileRows(codes[i]) : 0);
            if (done[i]) {
                int family = family(codes[i]);
                if (inputs[family] == null) {
                    inputs[family] = quantized(x, batch, cols, codes[i], family, pending);
                    pending = null;
                }
            }
        }
        if (pending != null) { // no quantization loop ran: the rows are prepared in a loop of their own
            Parallel.forRange(batch, 1, pending);
        }
        if (firstTile[n] == 0) {
            return done;
        }
        MemorySegment[] outs = new MemorySegment[n];
        for (int i = 0; i < n; i++) {
            outs[i] = done[i] ? MemorySegment.ofArray(out[i]) : null;
        }
        Parallel.forRange(firstTile[n], 1, CHUNKS_PER_THREAD, (t0, t1) -> {
            for (int i = 0; i < n; i++) {
                int a = Math.max(t0, firstTile[i]), b = Math.min(t1, firstTile[i + 1]);
                if (a < b) {
                    SegmentTensor w = (SegmentTensor) weights[i];
                    int family = family(codes[i]);
                    int tile = tileRows(codes[i]);
                    int from = (a - firstTile[i]) * tile, to = Math.min(rows[i], (b - firstTile[i]) * tile);
                    matmul(codes[i], w.m, w.type().byteSize(cols), inputs[family],
                            inputBytes(codes[i], cols), cols, batch, from, to, outs[i], rows[i]);
                }
            }
        });
        return done;
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
     * The batch rows of x quantized for weights of typeCode, in this thread's buffer of that family; with a
     * {@code prepare}, each range of rows is first written by it, in the same loop (no hand-off of its own).
     */
    private static MemorySegment quantized(float[] x, int batch, int cols, int typeCode, int family,
                                           Parallel.IntRangeBody prepare) {
        long rowBytes = inputBytes(typeCode, cols);
        MemorySegment[] held = INPUTS.get();
        if (held[family].byteSize() < rowBytes * batch) {
            held[family] = Arena.ofAuto().allocate(Math.max(rowBytes * batch, 2 * held[family].byteSize()), 64);
        }
        MemorySegment dst = held[family], src = MemorySegment.ofArray(x);
        Parallel.forRange(batch, 8, (from, to) -> {
            if (prepare != null) {
                prepare.run(from, to);
            }
            quantizeRows(typeCode, src, cols, from, to, dst, rowBytes);
        });
        return dst;
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
