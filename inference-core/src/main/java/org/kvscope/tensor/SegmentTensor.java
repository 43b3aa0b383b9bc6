package org.kvscope.tensor;

import java.lang.foreign.MemorySegment;

/** A tensor whose elements live in a memory segment (a slice of a mapped file or a heap array). */
abstract class SegmentTensor extends FloatTensor {
    protected final MemorySegment m;
    private final long size;

    SegmentTensor(MemorySegment m, long size) {
        long need = type().byteSize(size);
        if (m.byteSize() < need) {
            throw new IllegalArgumentException(type() + " tensor of " + size + " elements needs " + need
                    + " bytes; the segment has " + m.byteSize());
        }
        this.m = m;
        this.size = size;
    }

    @Override
    public final long size() { return size; }

    /** One row's dot product against x permuted by {@link Layouts#byteLanes}. */
    @FunctionalInterface
    interface PermutedRowDot {
        float dot(long rowByteOffset, float[] permuted, int cols);
    }

    /**
     * Whether a matrix-vector product of rows × cols can run through a byte-lane kernel: the
     * vector width has a byte-lane layout, rows are whole blocks and the matrix fits the tensor.
     */
    final boolean byteLanesFit(int rows, int cols, int blockValues) {
        return Layouts.hasByteLanes() && cols % blockValues == 0 && (long) rows * cols <= size();
    }

    /** out[outOffset + r] = dot(row r) for every row, over the cores; rows start every cols/blockValues blocks. */
    final void byteLaneRows(float[] permuted, float[] out, int outOffset, int rows, int cols, int blockValues,
                            int blockBytes, int grain, PermutedRowDot dot) {
        long rowBytes = (long) cols / blockValues * blockBytes;
        Parallel.forRange(rows, grain, (from, to) -> {
            for (int r = from; r < to; r++) {
                out[outOffset + r] = dot.dot(r * rowBytes, permuted, cols);
            }
        });
    }
}
