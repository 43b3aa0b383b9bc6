package org.kvscope.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The rows of one matrix-vector product through {@link NativeKernels}: for quantized weights x is
 * copied to native memory and quantized once, on the calling thread, when the product is prepared
 * (a fused product's later matrices read the first one's x when theirs is the same); float weights
 * read x where it is, in the Java array (the downcalls are critical, heap segments allowed): a copy
 * there made the caller write lines the other core had just read, ~1.2 µs a 135M F32 product on its
 * serial path. Each row range then runs the native kernel into a native buffer and copies its floats
 * out. One object per product slot of {@link PreparedInputs}, its buffers kept and grown from
 * product to product (and the segment of the array x last read, remade when x changes), so a
 * product in steady state allocates nothing.
 */
final class NativeRows implements FloatTensor.MatvecRows {
    private static final MemorySegment NONE = MemorySegment.NULL;
    private MemorySegment floats = NONE, quantized = NONE, results = NONE;
    /** Float weights' input: x[xOffset ..] of the array {@link #heapArray} as a heap segment. */
    private MemorySegment heapInput = NONE;
    private float[] heapArray;
    private int heapOffset;
    /** The quantized input this product reads: this body's own buffer, or an earlier body's of the same product. */
    private MemorySegment input;
    private MemorySegment weights;
    private float[] out, x;
    private int xOffset;
    private int typeCode, cols, outOffset;
    private long rowBytes;

    /** Prepares out[outOffset + r] = row r · x for rows of rowBytes from weights. */
    NativeRows prepare(int typeCode, MemorySegment weights, long rowBytes, float[] x, int xOffset, int cols, float[] out,
                       int outOffset, int rows, NativeRows sameInput) {
        this.typeCode = typeCode;
        this.x = x;
        this.xOffset = xOffset;
        this.weights = weights;
        this.rowBytes = rowBytes;
        this.cols = cols;
        this.out = out;
        this.outOffset = outOffset;
        results = atLeast(results, 4L * rows);
        if (sameInput != null) {
            input = sameInput.input;
            return this;
        }
        if (NativeKernels.floatInput(typeCode) && x != out) {
            if (heapArray != x || heapOffset != xOffset) {
                heapInput = MemorySegment.ofArray(x).asSlice(4L * xOffset);
                heapArray = x;
                heapOffset = xOffset;
            }
            input = heapInput;
            return this;
        }
        floats = atLeast(floats, 4L * cols);
        MemorySegment.copy(x, xOffset, floats, ValueLayout.JAVA_FLOAT, 0, cols);
        if (NativeKernels.floatInput(typeCode)) { // x in the output's array: read from a copy
            input = floats;
            return this;
        }
        quantized = atLeast(quantized, NativeKernels.quantizedBytes(typeCode, cols));
        NativeKernels.quantize(typeCode, floats, cols, quantized);
        input = quantized;
        return this;
    }

    /** Whether this body's input is x[xOffset, xOffset + cols) as typeCode's products need it (quantized or float). */
    boolean reads(float[] x, int xOffset, int cols, int typeCode) {
        return this.x == x && this.xOffset == xOffset && this.cols == cols && sameQuantization(this.typeCode, typeCode);
    }

    private static boolean sameQuantization(int a, int b) {
        return NativeKernels.floatInput(a) == NativeKernels.floatInput(b)
                && NativeKernels.superBlocks(a) == NativeKernels.superBlocks(b);
    }

    private static MemorySegment atLeast(MemorySegment s, long bytes) {
        return s.byteSize() >= bytes ? s : Arena.ofAuto().allocate(Math.max(bytes, 2 * s.byteSize()), 64);
    }

    void clear() {
        weights = input = null;
        out = x = null;
    }

    @Override
    public void run(int from, int to) {
        NativeKernels.matvec(typeCode, weights, rowBytes, input, cols, from, to, results);
        MemorySegment.copy(results, ValueLayout.JAVA_FLOAT, 4L * from, out, outOffset + from, to - from);
    }
}
