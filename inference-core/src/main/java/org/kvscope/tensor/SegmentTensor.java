package org.kvscope.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;

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

    @Override
    public final float readOnce(int rows, int cols) {
        long bytes = type().byteSize((long) rows * cols);
        if (rows <= 0 || (long) rows * cols > size()) {
            throw new IllegalArgumentException(rows + "×" + cols + " does not fit the tensor's " + size() + " elements");
        }
        long rowBytes = bytes / rows;
        float[] sums = new float[rows];
        Parallel.forRange(rows, 32, (from, to) -> sums[from] = sumBytes(from * rowBytes, (to - from) * rowBytes));
        float total = 0f;
        for (float s : sums) {
            total += s;
        }
        return total;
    }

    /** The bytes [offset, offset + length) read as floats (four vectors at a time) and added up; the tail as bytes. */
    private float sumBytes(long offset, long length) {
        long step = F.vectorByteSize();
        FloatVector a = FloatVector.zero(F), b = a, c = a, d = a;
        long i = offset, end = offset + length;
        for (; i + 4 * step <= end; i += 4 * step) {
            a = a.add(FloatVector.fromMemorySegment(F, m, i, ByteOrder.LITTLE_ENDIAN));
            b = b.add(FloatVector.fromMemorySegment(F, m, i + step, ByteOrder.LITTLE_ENDIAN));
            c = c.add(FloatVector.fromMemorySegment(F, m, i + 2 * step, ByteOrder.LITTLE_ENDIAN));
            d = d.add(FloatVector.fromMemorySegment(F, m, i + 3 * step, ByteOrder.LITTLE_ENDIAN));
        }
        float sum = VectorOps.sum(a.add(b).add(c.add(d)));
        for (; i < end; i++) {
            sum += m.get(Layouts.BYTE, i);
        }
        return sum;
    }

    /**
     * One row's dot product against x permuted by {@link Layouts#byteLanes}; {@code sums} is what
     * the kernel prepared from x along with it (run sums), or null. A kernel keeps its instance in
     * a final field, so a product allocates no closure.
     */
    @FunctionalInterface
    interface PermutedRowDot {
        float dot(long rowByteOffset, float[] permuted, float[] sums, int cols);
    }

    /**
     * out[outOffset + r] for the rows [from, to) of a product against x permuted by the kernel,
     * with what it prepared from x along with it ({@code sums}): for kernels that keep the row
     * loop inside. Kept in a final field as {@link PermutedRowDot} is.
     */
    @FunctionalInterface
    interface PermutedRows {
        void rows(int from, int to, float[] permuted, float[] sums, int cols, float[] out, int outOffset);
    }

    /**
     * The rows of a matrix-vector product through {@link NativeKernels} (x copied, and for
     * quantized weights quantized to 8 bits, here, once), or null where the Java kernels run it:
     * native kernels off or unavailable, a type without a native kernel, or rows that are not whole blocks.
     */
    final MatvecRows nativeRows(float[] x, int xOffset, float[] out, int outOffset, int rows, int cols) {
        int code = NativeKernels.typeCode(type());
        int block = type().blockSize();
        if (code < 0 || !NativeKernels.active() || cols % block != 0 || (long) rows * cols > size()) {
            return null;
        }
        NativeRows sameInput = PreparedInputs.nativeRowsReading(x, xOffset, cols, code);
        return PreparedInputs.nativeRows().prepare(code, m, type().byteSize(cols), x, xOffset, cols, out, outOffset, rows,
                sameInput);
    }

    /**
     * Whether a matrix-vector product of rows × cols can run through a byte-lane kernel: the
     * vector width has a byte-lane layout, rows are whole blocks and the matrix fits the tensor.
     */
    final boolean byteLanesFit(int rows, int cols, int blockValues) {
        return Layouts.hasByteLanes() && cols % blockValues == 0 && (long) rows * cols <= size();
    }

    /** out[outOffset + r] = dot(row r) for the rows asked; rows start every cols/blockValues blocks. */
    final MatvecRows byteLaneRows(float[] permuted, float[] sums, float[] out, int outOffset, int cols,
                                  int blockValues, int blockBytes, PermutedRowDot dot) {
        ByteLaneRows rows = filled(permuted, sums, out, outOffset, cols);
        rows.rowBytes = (long) cols / blockValues * blockBytes;
        rows.dot = dot;
        return rows;
    }

    /** The rows asked, through a kernel with its own row loop. */
    final MatvecRows permutedRows(float[] permuted, float[] sums, float[] out, int outOffset, int cols,
                                  PermutedRows kernel) {
        ByteLaneRows rows = filled(permuted, sums, out, outOffset, cols);
        rows.kernel = kernel;
        return rows;
    }

    private static ByteLaneRows filled(float[] permuted, float[] sums, float[] out, int outOffset, int cols) {
        ByteLaneRows rows = PreparedInputs.byteLaneRows();
        rows.permuted = permuted;
        rows.sums = sums;
        rows.out = out;
        rows.outOffset = outOffset;
        rows.cols = cols;
        rows.dot = null;
        rows.kernel = null;
        return rows;
    }

    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[F.length()]);

    /** This thread's buffer of one vector's lanes, for a kernel's final lane sums. */
    static float[] lanesBuffer() {
        return LANES.get();
    }

    /**
     * The rows of {@link #byteLaneRows} or {@link #permutedRows}, one object per product slot of
     * {@link PreparedInputs}.
     */
    static final class ByteLaneRows implements MatvecRows {
        private float[] permuted, sums, out;
        private int outOffset, cols;
        private long rowBytes;
        private PermutedRowDot dot;
        private PermutedRows kernel;

        void clear() {
            permuted = sums = out = null;
            dot = null;
            kernel = null;
        }

        @Override
        public void run(int from, int to) {
            if (kernel != null) {
                kernel.rows(from, to, permuted, sums, cols, out, outOffset);
                return;
            }
            for (int r = from; r < to; r++) {
                out[outOffset + r] = dot.dot(r * rowBytes, permuted, sums, cols);
            }
        }
    }
}
