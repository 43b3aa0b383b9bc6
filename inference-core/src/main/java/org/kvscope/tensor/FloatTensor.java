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
 * prefill uses {@link #matmul}, which dequantises a tile of rows once, transposed, and reuses it
 * for every vector of the batch in an outer-product register-blocked kernel (compute-bound).
 */
public abstract class FloatTensor {
    static final VectorSpecies<Float> F = VectorOps.F;
    private static final ThreadLocal<float[][]> TILE = ThreadLocal.withInitial(() -> new float[1][0]);
    private static final ThreadLocal<float[][]> TRANSPOSED = ThreadLocal.withInitial(() -> new float[1][0]);

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
     *
     * <p>Rows are taken in tiles of two vectors' width. Each tile is dequantised once and stored
     * transposed (column k's tile rows side by side), then every group of four batch vectors
     * runs through {@link #kernel4}: per column, two weight vectors times four broadcast inputs
     * into eight accumulators that are the outputs themselves, so no horizontal sums are needed
     * and the register file (16 on AVX2) holds the whole block.
     */
    public void matmul(float[] x, float[] out, int batch, int rows, int cols) {
        checkShape(rows, cols);
        if (batch == 1) {
            matvec(x, out, rows, cols);
            return;
        }
        int tileRows = 2 * F.length();
        int tiles = (rows + tileRows - 1) / tileRows;
        float[] packed = packInputs(x, batch, cols);
        Parallel.forRange(tiles, 1, (t0, t1) -> {
            float[] w = tile(tileRows * cols);
            float[] wt = transposed(tileRows * cols);
            for (int t = t0; t < t1; t++) {
                int r0 = t * tileRows;
                int nr = Math.min(tileRows, rows - r0);
                dequantize((long) r0 * cols, w, 0, nr * cols);
                transpose(w, nr, cols, wt, tileRows);
                multiplyTile(wt, nr, x, packed, batch, cols, out, rows, r0);
            }
        });
    }

    /** Batch vectors per register block of {@link #kernel4}. */
    private static final int GROUP = 4;

    /**
     * The batch in groups of {@link #GROUP} vectors, interleaved by column: packed[g·G·cols + k·G + j]
     * = x[(G·g + j)·cols + k]. The kernel then reads a group's inputs for one column from one index
     * with constant offsets, which keeps its general registers few enough that the JIT spills none.
     */
    private static float[] packInputs(float[] x, int batch, int cols) {
        int groups = batch / GROUP;
        float[] packed = new float[groups * GROUP * cols];
        for (int g = 0; g < groups; g++) {
            int base = g * GROUP * cols;
            for (int j = 0; j < GROUP; j++) {
                int from = (GROUP * g + j) * cols;
                for (int k = 0, to = base + j; k < cols; k++, to += GROUP) {
                    packed[to] = x[from + k];
                }
            }
        }
        return packed;
    }

    /** Columns per step of {@link #transpose}: a tileRows × 16 block (2 KiB at most) stays in L1. */
    private static final int TRANSPOSE_COLUMNS = 16;

    /**
     * wt[k·tileRows + r] = w[r·cols + k]; rows nr.. of the tile are zero. Done in blocks of
     * {@link #TRANSPOSE_COLUMNS} columns, so the block's reads and writes stay in L1 instead of
     * each store landing on a different cache line of the whole tile.
     */
    private static void transpose(float[] w, int nr, int cols, float[] wt, int tileRows) {
        if (nr < tileRows) {
            java.util.Arrays.fill(wt, 0, tileRows * cols, 0f);
        }
        for (int k0 = 0; k0 < cols; k0 += TRANSPOSE_COLUMNS) {
            int k1 = Math.min(cols, k0 + TRANSPOSE_COLUMNS);
            for (int r = 0; r < nr; r++) {
                int from = r * cols;
                for (int k = k0, to = k0 * tileRows + r; k < k1; k++, to += tileRows) {
                    wt[to] = w[from + k];
                }
            }
        }
    }

    private static void multiplyTile(float[] wt, int nr, float[] x, float[] packed, int batch, int cols, float[] out,
                                     int rows, int r0) {
        int L = F.length();
        int tileRows = 2 * L;
        boolean fullTile = nr == tileRows;
        float[] partial = fullTile ? null : new float[GROUP * tileRows];
        int b = 0;
        for (; b + GROUP <= batch; b += GROUP) {
            if (fullTile) {
                kernel4(wt, packed, b * cols, cols, out, b * rows + r0, rows);
            } else {
                kernel4(wt, packed, b * cols, cols, partial, 0, tileRows);
                for (int j = 0; j < GROUP; j++) {
                    System.arraycopy(partial, j * tileRows, out, (b + j) * rows + r0, nr);
                }
            }
        }
        for (; b < batch; b++) {
            if (fullTile) {
                kernel1(wt, x, b * cols, cols, out, b * rows + r0);
            } else {
                kernel1(wt, x, b * cols, cols, partial, 0);
                System.arraycopy(partial, 0, out, b * rows + r0, nr);
            }
        }
    }

    /**
     * One transposed tile (two vectors of rows) times one packed group of four input vectors:
     * out[o + j·stride + r] for j &lt; 4 and r &lt; 2·L. Eight accumulators, two weight vectors and
     * four broadcasts: 14 vector registers, so AVX2's 16 suffice however the JIT orders the loads.
     */
    private static void kernel4(float[] wt, float[] packed, int po, int cols, float[] out, int o, int stride) {
        int L = F.length();
        FloatVector a0 = FloatVector.zero(F), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
        for (int k = 0, wi = 0, xi = po; k < cols; k++, wi += 2 * L, xi += GROUP) {
            FloatVector w0 = FloatVector.fromArray(F, wt, wi);
            FloatVector w1 = FloatVector.fromArray(F, wt, wi + L);
            FloatVector v = FloatVector.broadcast(F, packed[xi]);
            a0 = w0.fma(v, a0);
            b0 = w1.fma(v, b0);
            v = FloatVector.broadcast(F, packed[xi + 1]);
            a1 = w0.fma(v, a1);
            b1 = w1.fma(v, b1);
            v = FloatVector.broadcast(F, packed[xi + 2]);
            a2 = w0.fma(v, a2);
            b2 = w1.fma(v, b2);
            v = FloatVector.broadcast(F, packed[xi + 3]);
            a3 = w0.fma(v, a3);
            b3 = w1.fma(v, b3);
            }
        a0.intoArray(out, o);
        b0.intoArray(out, o + L);
        a1.intoArray(out, o + stride);
        b1.intoArray(out, o + stride + L);
        a2.intoArray(out, o + 2 * stride);
        b2.intoArray(out, o + 2 * stride + L);
        a3.intoArray(out, o + 3 * stride);
        b3.intoArray(out, o + 3 * stride + L);
    }

    /** One transposed tile times one input vector (the batch's remainder after groups of five). */
    private static void kernel1(float[] wt, float[] x, int xo, int cols, float[] out, int o) {
        int L = F.length();
        FloatVector a = FloatVector.zero(F), b = a;
        for (int k = 0, wi = 0; k < cols; k++, wi += 2 * L) {
            FloatVector v = FloatVector.broadcast(F, x[xo + k]);
            a = FloatVector.fromArray(F, wt, wi).fma(v, a);
            b = FloatVector.fromArray(F, wt, wi + L).fma(v, b);
        }
        a.intoArray(out, o);
        b.intoArray(out, o + L);
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

    /** A per-thread buffer of at least n floats for a transposed weight tile. */
    private static float[] transposed(int n) {
        float[][] holder = TRANSPOSED.get();
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
