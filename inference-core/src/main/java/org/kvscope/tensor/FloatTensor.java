package org.kvscope.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.kvscope.gguf.GGMLType;

/**
 * Read-only weights of one ggml type over a memory segment (usually a slice of a memory-mapped
 * GGUF file). A matrix is {@code rows × cols}, row-major, with {@code cols} = ggml ne[0].
 *
 * <p>Decode uses {@link #matvec} (one fused dequantise-and-dot per row, bandwidth-bound);
 * prefill uses {@link #matmul}, which dequantises a tile of rows once and reuses it for every
 * vector of the batch with a 4×4 register-blocked kernel (compute-bound).
 */
public abstract class FloatTensor {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int TILE_ROWS = 16;
    private static final ThreadLocal<float[][]> TILE = ThreadLocal.withInitial(() -> new float[1][0]);

    public abstract GGMLType type();

    /** Number of elements. */
    public abstract long size();

    public abstract float getFloat(long index);

    /** Writes whole blocks: {@code offset} and {@code n} are multiples of the block size. */
    protected abstract void dequantizeBlocks(long offset, float[] dst, int dstOffset, int n);

    /**
     * Writes elements [offset, offset + n) as floats. Ranges need not start or end on a block
     * boundary (some converters quantise a tensor as one flat array, so blocks straddle rows).
     */
    public final void dequantize(long offset, float[] dst, int dstOffset, int n) {
        int block = type().blockSize();
        if (block == 1 || (offset % block == 0 && n % block == 0)) {
            dequantizeBlocks(offset, dst, dstOffset, n);
            return;
        }
        long first = offset / block * block;
        long end = Math.min(size(), (offset + n + block - 1) / block * block);
        float[] tmp = new float[Math.toIntExact(end - first)];
        dequantizeBlocks(first, tmp, 0, tmp.length);
        System.arraycopy(tmp, (int) (offset - first), dst, dstOffset, n);
    }

    /** True when [offset, offset + n) covers whole blocks, so fused kernels apply. */
    protected final boolean blockAligned(long offset, int n) {
        int block = type().blockSize();
        return offset % block == 0 && n % block == 0;
    }

    /** Σ this[offset+i]·x[xOffset+i] for i in [0, n). */
    public float dot(long offset, float[] x, int xOffset, int n) {
        float[] tmp = tile(n);
        dequantize(offset, tmp, 0, n);
        return VectorOps.dot(tmp, 0, x, xOffset, n);
    }

    /** out[r] = row r · x for r in [0, rows). */
    public void matvec(float[] x, float[] out, int rows, int cols) {
        matvec(x, 0, out, 0, rows, cols);
    }

    public void matvec(float[] x, int xOffset, float[] out, int outOffset, int rows, int cols) {
        checkShape(rows, cols);
        Parallel.forRange(rows, 32, (from, to) -> {
            for (int r = from; r < to; r++) {
                out[outOffset + r] = dot((long) r * cols, x, xOffset, cols);
            }
        });
    }

    /**
     * Batched product: out[b·rows + r] = row r · x[b·cols ...] for every batch vector b.
     * Each tile of rows is dequantised once and reused for the whole batch.
     */
    public void matmul(float[] x, float[] out, int batch, int rows, int cols) {
        checkShape(rows, cols);
        if (batch == 1) {
            matvec(x, out, rows, cols);
            return;
        }
        int tiles = (rows + TILE_ROWS - 1) / TILE_ROWS;
        Parallel.forRange(tiles, 1, (t0, t1) -> {
            float[] w = tile(TILE_ROWS * cols);
            for (int t = t0; t < t1; t++) {
                int r0 = t * TILE_ROWS;
                int nr = Math.min(TILE_ROWS, rows - r0);
                dequantize((long) r0 * cols, w, 0, nr * cols);
                multiplyTile(w, nr, x, batch, cols, out, rows, r0);
            }
        });
    }

    private static void multiplyTile(float[] w, int nr, float[] x, int batch, int cols, float[] out, int rows, int r0) {
        int b = 0;
        boolean vectorCols = cols % F.length() == 0;
        for (; vectorCols && b + 4 <= batch; b += 4) {
            int i = 0;
            for (; i + 4 <= nr; i += 4) {
                kernel4x4(w, i * cols, x, b * cols, cols, out, rows, b, r0 + i);
            }
            for (; i < nr; i++) {
                for (int bb = b; bb < b + 4; bb++) {
                    out[bb * rows + r0 + i] = VectorOps.dot(w, i * cols, x, bb * cols, cols);
                }
            }
        }
        for (; b < batch; b++) {
            for (int i = 0; i < nr; i++) {
                out[b * rows + r0 + i] = VectorOps.dot(w, i * cols, x, b * cols, cols);
            }
        }
    }

    /** Four weight rows × four batch vectors, sixteen vector accumulators. */
    private static void kernel4x4(float[] w, int wo, float[] x, int xo, int cols, float[] out, int rows, int b, int r) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00,
                a13 = a00, a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int k = 0; k < cols; k += F.length()) {
            FloatVector w0 = FloatVector.fromArray(F, w, wo + k);
            FloatVector w1 = FloatVector.fromArray(F, w, wo + cols + k);
            FloatVector w2 = FloatVector.fromArray(F, w, wo + 2 * cols + k);
            FloatVector w3 = FloatVector.fromArray(F, w, wo + 3 * cols + k);
            FloatVector x0 = FloatVector.fromArray(F, x, xo + k);
            a00 = w0.fma(x0, a00);
            a10 = w1.fma(x0, a10);
            a20 = w2.fma(x0, a20);
            a30 = w3.fma(x0, a30);
            FloatVector x1 = FloatVector.fromArray(F, x, xo + cols + k);
            a01 = w0.fma(x1, a01);
            a11 = w1.fma(x1, a11);
            a21 = w2.fma(x1, a21);
            a31 = w3.fma(x1, a31);
            FloatVector x2 = FloatVector.fromArray(F, x, xo + 2 * cols + k);
            a02 = w0.fma(x2, a02);
            a12 = w1.fma(x2, a12);
            a22 = w2.fma(x2, a22);
            a32 = w3.fma(x2, a32);
            FloatVector x3 = FloatVector.fromArray(F, x, xo + 3 * cols + k);
            a03 = w0.fma(x3, a03);
            a13 = w1.fma(x3, a13);
            a23 = w2.fma(x3, a23);
            a33 = w3.fma(x3, a33);
        }
        out[b * rows + r] = VectorOps.sum(a00);
        out[b * rows + r + 1] = VectorOps.sum(a10);
        out[b * rows + r + 2] = VectorOps.sum(a20);
        out[b * rows + r + 3] = VectorOps.sum(a30);
        out[(b + 1) * rows + r] = VectorOps.sum(a01);
        out[(b + 1) * rows + r + 1] = VectorOps.sum(a11);
        out[(b + 1) * rows + r + 2] = VectorOps.sum(a21);
        out[(b + 1) * rows + r + 3] = VectorOps.sum(a31);
        out[(b + 2) * rows + r] = VectorOps.sum(a02);
        out[(b + 2) * rows + r + 1] = VectorOps.sum(a12);
        out[(b + 2) * rows + r + 2] = VectorOps.sum(a22);
        out[(b + 2) * rows + r + 3] = VectorOps.sum(a32);
        out[(b + 3) * rows + r] = VectorOps.sum(a03);
        out[(b + 3) * rows + r + 1] = VectorOps.sum(a13);
        out[(b + 3) * rows + r + 2] = VectorOps.sum(a23);
        out[(b + 3) * rows + r + 3] = VectorOps.sum(a33);
    }

    private void checkShape(int rows, int cols) {
        if ((long) rows * cols > size()) {
            throw new IllegalArgumentException(rows + "×" + cols + " exceeds the tensor's " + size() + " elements");
        }
    }

    /** A per-thread scratch buffer of at least n floats. */
    static float[] tile(int n) {
        float[][] holder = TILE.get();
        if (holder[0].length < n) {
            holder[0] = new float[n];
        }
        return holder[0];
    }

    /** Wraps a segment holding {@code size} elements of {@code type}. */
    public static FloatTensor of(GGMLType type, MemorySegment data, long size) {
        return switch (type) {
            case F32 -> new F32Tensor(data, size);
            case F16 -> new F16Tensor(data, size);
            case BF16 -> new BF16Tensor(data, size);
            case Q8_0 -> new Q8_0Tensor(data, size);
            case Q4_0 -> new Q4_0Tensor(data, size);
            case Q4_K -> new Q4_KTensor(data, size);
            case Q6_K -> new Q6_KTensor(data, size);
            default -> throw new UnsupportedTensorTypeException(type);
        };
    }

    /** An F32 tensor over a heap array. */
    public static FloatTensor ofFloats(float[] values) {
        return new F32Tensor(MemorySegment.ofArray(values), values.length);
    }
}
