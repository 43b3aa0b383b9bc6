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
    private static final ThreadLocal<float[][]> PACKED = ThreadLocal.withInitial(() -> new float[1][0]);

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

    /**
     * {@link #dequantize}'s floats, one element at a time through {@link #getFloat} (the same floats bit
     * for bit): for one short row per call, such as a token's embedding, which no vector kernel speeds up
     * noticeably but which the vector kernels would slow down in another way: until C2 compiles them
     * (a row per token takes long to get there), they run in C1 and allocate every vector: JFR sampled
     * about 47 MB in the three measured runs of a SmolLM2-135M Q8_0 {@code bench}, which kept the young
     * generation collecting all through them (issue 17, peak memory).
     */
    public final void dequantizeEach(long offset, float[] dst, int dstOffset, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOffset + i] = getFloat(offset + i);
        }
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

    public final void matvec(float[] x, int xOffset, float[] out, int outOffset, int rows, int cols) {
        checkShape(rows, cols);
        PreparedInputs.startProduct();
        try {
            long bytes = weightBytes(rows, cols);
            Parallel.forRange(rows, MATVEC_GRAIN, chunksPerThread(bytes), tail(rows, bytes),
                    matvecRows(x, xOffset, out, outOffset, rows, cols));
        } finally {
            PreparedInputs.endProduct();
        }
    }

    /** Rows per chunk of a decode product at least: a chunk's rows are streamed by one core. */
    private static final int MATVEC_GRAIN = 16;
    /**
     * Chunks per participant of a decode product at least. Each chunk is a kernel call that starts a new stream of
     * rows (its x arranged again, its first rows not prefetched) and a claim on the loop's shared counters: at eight a
     * core (Parallel's default) a SmolLM2-135M Q4_0 token made about 2,400 calls of 10–60 KB each, and two threads of
     * the library alone took 1.69 against 1.38 ms a step's products at one call a core (issue 17, q4s23). Larger
     * products still end in guided tails ({@link #TAIL_BYTES}).
     */
    static final int MIN_CHUNKS_PER_THREAD = 2;
    /**
     * Weight bytes per chunk of a decode product at most, beyond {@link #MIN_CHUNKS_PER_THREAD}: a product ends with
     * one core finishing its last chunk while the other, out of chunks, waits, half a chunk on average. At eight
     * chunks a core a Llama-3.2-1B F32 chunk was 64 MiB of the output matrix (about 2.5 ms) and 8 MiB of gate/up,
     * longer than a worker's spin before it parks; 2 MiB is under 100 µs at one core's bandwidth, and each chunk's
     * rows are still one contiguous stream after the last (a core takes its own chunks front to back).
     */
    static final long CHUNK_BYTES = 2L << 20;

    /** Bytes of rows × cols weights (rows of part blocks, which the Java kernels take, rounded down). */
    private long weightBytes(int rows, int cols) {
        return (long) rows * cols * type().typeSize() / type().blockSize();
    }

    /**
     * Weight bytes of a decode product's smallest chunk, where a core's region runs out ({@link Parallel}'s guided
     * tail): the core that finishes first then waits for at most about this much of the other's reading (7 µs at
     * one core's 18 GB/s) instead of half a chunk, while a chunk's call and set-up stay small beside its reading.
     */
    static final long TAIL_BYTES = 128L << 10;

    /** A product's tail in indices: about {@link #TAIL_BYTES} of its {@code bytes} over {@code n} indices. */
    static int tail(int n, long bytes) {
        return (int) Math.max(1, Math.min(n, TAIL_BYTES * n / Math.max(1, bytes)));
    }

    /** Chunks per participant for a decode product of {@code bytes} of weights: about {@link #CHUNK_BYTES} each. */
    static int chunksPerThread(long bytes) {
        return (int) Math.max(MIN_CHUNKS_PER_THREAD, Math.min(1 << 16, bytes / CHUNK_BYTES / Parallel.threads()));
    }

    /** Part of a matrix-vector product whose input is ready: computes out[outOffset + r] for r in [from, to). */
    @FunctionalInterface
    protected interface MatvecRows extends Parallel.IntRangeBody {
    }

    /**
     * Prepares {@link #matvec}: whatever the kernel needs from x once per product (a permuted
     * copy, run sums) is made here, on the calling thread, in arrays from
     * {@link PreparedInputs#take}, and the returned rows may then run on any thread until the
     * product ends. The default takes {@link #dot} row by row.
     */
    protected MatvecRows matvecRows(float[] x, int xOffset, float[] out, int outOffset, int rows, int cols) {
        DotRows body = PreparedInputs.dotRows();
        body.tensor = this;
        body.x = x;
        body.out = out;
        body.xOffset = xOffset;
        body.outOffset = outOffset;
        body.cols = cols;
        return body;
    }

    /** The rows of the default {@link #matvecRows}, one object per product slot of {@link PreparedInputs}. */
    static final class DotRows implements MatvecRows {
        private FloatTensor tensor;
        private float[] x, out;
        private int xOffset, outOffset, cols;

        void clear() {
            tensor = null;
            x = out = null;
        }

        @Override
        public void run(int from, int to) {
            for (int r = from; r < to; r++) {
                out[outOffset + r] = tensor.dot((long) r * cols, x, xOffset, cols);
            }
        }
    }

    /**
     * Several matrix-vector products of the same input, as one parallel loop over all their rows:
     * out[i][r] = row r of weights[i] · x for r &lt; rows[i], each matrix {@code rows[i] × cols}.
     * The results are those of {@link #matvec} on each, bit for bit; decode runs its query, key
     * and value projections this way, so the cores are handed work once instead
     * of once per matrix: on a small model that hand-off is a fair part of each token.
     */
    public static void matvecs(float[] x, int cols, FloatTensor[] weights, float[][] out, int[] rows) {
        if (weights.length != out.length || weights.length != rows.length) {
            throw new IllegalArgumentException(weights.length + " matrices, " + out.length + " outputs and "
                    + rows.length + " row counts");
        }
        PreparedInputs.startProduct();
        FusedRows fused = FUSED.get().of(weights.length, false);
        long bytes = 0;
        for (int i = 0; i < weights.length; i++) {
            weights[i].checkShape(rows[i], cols);
            fused.parts[i] = weights[i].matvecRows(x, 0, out[i], 0, rows[i], cols);
            fused.start[i + 1] = Math.addExact(fused.start[i], rows[i]);
            bytes += weights[i].weightBytes(rows[i], cols);
        }
        try {
            int n = fused.start[weights.length];
            Parallel.forRange(n, MATVEC_GRAIN, chunksPerThread(bytes), tail(n, bytes), fused);
        } finally {
            fused.clear();
            PreparedInputs.endProduct();
        }
    }

    /** Rows per step of {@link #matvecsThen}: chunk edges fall on whole vectors of every width. */
    private static final int ROW_GROUP = 16;

    /**
     * Matrix-vector products of one input by matrices of equal height, row range by row range:
     * each chunk [from, to) of rows is computed in every matrix, then {@code then.run(from, to)}
     * runs on the same thread while those rows are fresh in its cache. Chunks start at multiples
     * of 16 rows. Decode's gate and up projections end in SwiGLU this way: one hand-off to the
     * cores for all three instead of three. The products are those of {@link #matvec}, bit for bit.
     */
    public static void matvecsThen(float[] x, int cols, FloatTensor[] weights, float[][] out, int rows,
                                   Parallel.IntRangeBody then) {
        if (weights.length != out.length) {
            throw new IllegalArgumentException(weights.length + " matrices and " + out.length + " outputs");
        }
        PreparedInputs.startProduct();
        FusedRows fused = FUSED.get().of(weights.length, true);
        long bytes = 0;
        for (int i = 0; i < weights.length; i++) {
            weights[i].checkShape(rows, cols);
            fused.parts[i] = weights[i].matvecRows(x, 0, out[i], 0, rows, cols);
            bytes += weights[i].weightBytes(rows, cols);
        }
        fused.rows = rows;
        fused.then = then;
        try {
            int groups = (rows + ROW_GROUP - 1) / ROW_GROUP;
            Parallel.forRange(groups, 1, chunksPerThread(bytes), tail(groups, bytes), fused);
        } finally {
            fused.clear();
            PreparedInputs.endProduct();
        }
    }

    private static final ThreadLocal<FusedRows> FUSED = ThreadLocal.withInitial(FusedRows::new);

    /**
     * The loop body of {@link #matvecs} (rows of all matrices in a row) or, {@code grouped},
     * {@link #matvecsThen} (groups of 16 rows through every matrix, then {@code then}): one per
     * calling thread, refilled by each product, so a fused product allocates no closure or array.
     */
    private static final class FusedRows implements Parallel.IntRangeBody {
        MatvecRows[] parts = new MatvecRows[0];
        int[] start = new int[1];
        int count, rows;
        boolean grouped;
        Parallel.IntRangeBody then;

        FusedRows of(int count, boolean grouped) {
            if (parts.length < count) {
                parts = new MatvecRows[count];
                start = new int[count + 1];
            }
            this.count = count;
            this.grouped = grouped;
            return this;
        }

        void clear() {
            java.util.Arrays.fill(parts, null);
            then = null;
        }

        @Override
        public void run(int from, int to) {
            if (grouped) {
                int r0 = from * ROW_GROUP, r1 = Math.min(rows, to * ROW_GROUP);
                for (int i = 0; i < count; i++) {
                    parts[i].run(r0, r1);
                }
                then.run(r0, r1);
                return;
            }
            for (int i = 0; i < count; i++) {
                int a = Math.max(from, start[i]), b = Math.min(to, start[i + 1]);
                if (a < b) {
                    parts[i].run(a - start[i], b - start[i]);
                }
            }
        }
    }

    /**
     * Reads the bytes of the first rows × cols elements once, the rows split over the cores as
     * {@link #matvec} splits them, adding them up as floats (a meaningless sum, returned so the
     * reads cannot be optimised away): the plain-read ceiling that benchmarks hold the
     * matrix-vector kernels against.
     */
    public abstract float readOnce(int rows, int cols);

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
        matmul(x, out, batch, rows, cols, null);
    }

    /**
     * {@link #matmul} with the caller's {@code work} array (null: none) for the packed batch where the product runs in
     * the Java kernels and work holds its {@link #packedFloats} (contents overwritten; neither x nor out): prefill
     * lends an array idle at the time instead of the thread's own (a 256-row Llama-3.2-1B chunk: 2 MiB; issue 17).
     */
    public void matmul(float[] x, float[] out, int batch, int rows, int cols, float[] work) {
        checkShape(rows, cols);
        if (batch == 1) {
            matvec(x, out, rows, cols);
            return;
        }
        if (NativeMatmul.typeCode(this, rows, cols) >= 0) {
            NativeMatmul.matmuls(x, batch, cols, new FloatTensor[] {this}, new float[][] {out}, new int[] {rows}, null);
            return;
        }
        requireWork(work, x, out);
        multiplyPacked(x, packInputs(x, batch, cols, work, false), out, batch, rows, cols);
    }

    /** Floats of {@link #packInputs}'s packed batch of {@code batch} rows of {@code cols}: the whole groups'. */
    public static int packedFloats(int batch, int cols) {
        return batch / GROUP * GROUP * cols;
    }

    /** Throws where a lent work array is one the product reads or writes. */
    private static void requireWork(float[] work, float[] x, float[]... out) {
        boolean clash = work != null && work == x;
        for (float[] o : out) {
            clash |= work != null && work == o;
        }
        if (clash) {
            throw new IllegalArgumentException("work array for the packed batch is the product's input or output;"
                    + " lend an array idle during the product, or null");
        }
    }

    /**
     * {@link #matmul}'s products from its batch already packed ({@link #packInputs}'s groups in packed, the rows after
     * the last whole group in x), as one parallel loop over the tiles of rows.
     */
    private void multiplyPacked(float[] x, float[] packed, float[] out, int batch, int rows, int cols) {
        int tileRows = 2 * F.length();
        int tiles = (rows + tileRows - 1) / tileRows;
        Parallel.forRange(tiles, 1, (t0, t1) -> multiplyRows(x, packed, batch, cols, 0, cols, false, t0 * tileRows,
                Math.min(rows, t1 * tileRows), out, rows, 0));
    }

    /**
     * Weight rows [from, to) (from a multiple of the tile rows) of {@code cols} columns, their columns [c0, c0 + width)
     * (c0 and width whole blocks where width &lt; cols), times every batch row of width floats (packed's groups, x's
     * rows after them): out[b·stride + r − base], tile by tile on the calling thread (each tile dequantized once and
     * transposed into this thread's buffers). With {@code carry} the kernels add on to what out holds (the sums of
     * the columns before c0, in order), else they start from zero.
     */
    private void multiplyRows(float[] x, float[] packed, int batch, int cols, int c0, int width, boolean carry,
                              int from, int to, float[] out, int stride, int base) {
        int tileRows = 2 * F.length();
        int step = tileStep(cols, width);
        float[] w = tile(tileRows * step);
        float[] wt = transposed(tileRows * width);
        for (int r0 = from; r0 < to; r0 += tileRows) {
            int nr = Math.min(tileRows, to - r0);
            if (nr < tileRows) {
                java.util.Arrays.fill(wt, 0, tileRows * width, 0f);
            }
            // whole rows: the tile's rows in one range (they may share blocks); else each row's step in turn
            int span = step == cols ? nr : 1;
            for (int k0 = 0; k0 < width; k0 += step) {
                int part = Math.min(step, width - k0);
                for (int r = 0; r < nr; r += span) {
                    dequantize((long) (r0 + r) * cols + c0 + k0, w, r * part, span * part);
                }
                transpose(w, nr, part, wt, k0, tileRows);
            }
            multiplyTile(wt, nr, x, packed, batch, width, out, stride, r0 - base, carry);
        }
    }

    /**
     * Columns a tile of rows is dequantized in at most before it is transposed ({@link #multiplyRows}): a
     * Llama-3.2-1B down tile's rows of 8,192 then pass through a per-thread buffer of 256 KiB instead of 1 MiB
     * (issue 17, peak memory); the transposed tile, which the kernels read whole, is unchanged. A multiple of every
     * block size. Tests set it (0: whole rows) through {@link #tileColumns(int)}.
     */
    private static int tileColumns = 2048;

    /** Sets {@link #tileColumns} (0: tiles dequantized whole); returns the value before. Tests and benchmarks. */
    static int tileColumns(int columns) {
        int before = tileColumns;
        tileColumns = columns;
        return before;
    }

    /**
     * Columns per dequantization step of a tile of rows of {@code cols}, {@code width} of them multiplied:
     * {@link #tileColumns} where that splits the row into whole blocks, else width (the whole row where width is
     * cols: a row of part blocks is dequantized with its tile as one range).
     */
    private int tileStep(int cols, int width) {
        int step = tileColumns;
        return step > 0 && step < width && step % type().blockSize() == 0 && cols % type().blockSize() == 0
                ? step : width;
    }

    /**
     * {@link #matmul} of one batch by several matrices: out[i][b·rows[i] + r] = row r of weights[i] ·
     * x[b·cols ...]. Prefill's query, key and value projections (and gate and up) run this way: with the
     * native kernels the batch is quantized once for all of them and the cores are handed their tiles
     * in one loop; each matrix's results are those of its own {@link #matmul}, bit for bit.
     */
    public static void matmuls(float[] x, int batch, int cols, FloatTensor[] weights, float[][] out, int[] rows) {
        matmuls(x, batch, cols, weights, out, rows, null);
    }

    /**
     * {@link #matmuls} of rows of x that {@code prepare} writes first (prepare(from, to) writes rows [from, to)
     * of x and reads nothing another range writes: a row's RMSNorm, SwiGLU, residual add). With the native kernels
     * it runs inside the loop that quantizes those rows, so preparing them costs no hand-off to the cores of its
     * own; otherwise it runs over the batch as a parallel loop of its own before the products. Null: none.
     */
    public static void matmuls(float[] x, int batch, int cols, FloatTensor[] weights, float[][] out, int[] rows,
                               Parallel.IntRangeBody prepare) {
        matmuls(x, batch, cols, weights, out, rows, prepare, null);
    }

    /**
     * {@link #matmuls} with the caller's {@code work} array (null: none) for the packed batch, as {@link #matmul}
     * takes it; the products in the Java kernels share one packing of the batch.
     */
    public static void matmuls(float[] x, int batch, int cols, FloatTensor[] weights, float[][] out, int[] rows,
                               Parallel.IntRangeBody prepare, float[] work) {
        requireWork(work, x, out);
        if (weights.length != out.length || weights.length != rows.length) {
            throw new IllegalArgumentException(weights.length + " matrices, " + out.length + " outputs and "
                    + rows.length + " row counts");
        }
        for (int i = 0; i < weights.length; i++) {
            weights[i].checkShape(rows[i], cols);
        }
        if (batch == 1 && prepare != null) {
            prepare.run(0, 1);
        }
        boolean[] done = batch == 1 ? new boolean[weights.length]
                : NativeMatmul.matmuls(x, batch, cols, weights, out, rows, prepare);
        float[] packed = null;
        for (int i = 0; i < weights.length; i++) {
            if (done[i]) {
                continue;
            }
            if (batch == 1) {
                weights[i].matvec(x, out[i], rows[i], cols);
            } else {
                packed = packed != null ? packed : packInputs(x, batch, cols, work, false);
                weights[i].multiplyPacked(x, packed, out[i], batch, rows[i], cols);
            }
        }
    }

    /**
     * Whether {@link #feedForward} applies: gate and up (ffn × dim) and down (dim × ffn) all run in the native
     * kernels now, and ffn is a multiple of 64.
     */
    public static boolean slicesFeedForward(FloatTensor gate, FloatTensor up, FloatTensor down, int dim, int ffn) {
        return NativeMatmul.slicesFeedForward(gate, up, down, dim, ffn) || floatSlices(gate, up, down, dim, ffn);
    }

    /**
     * Whether {@link #feedForward} runs in the Java float kernels: gate and up (ffn × dim) and down (dim × ffn) all
     * there (F32 and F16 weights; every type with {@code --kernels java} or without the library's tiles), ffn a
     * multiple of 64 (every slice then starts on a tile of rows and SwiGLU's vectors take the values of whole rows).
     */
    static boolean floatSlices(FloatTensor gate, FloatTensor up, FloatTensor down, int dim, int ffn) {
        return ffn % 64 == 0 && (long) ffn * dim <= Math.min(gate.size(), Math.min(up.size(), down.size()))
                && NativeMatmul.typeCode(gate, ffn, dim) < 0 && NativeMatmul.typeCode(up, ffn, dim) < 0
                && NativeMatmul.typeCode(down, dim, ffn) < 0;
    }

    /**
     * Prefill's feed-forward products over a batch in slices of hidden units, where {@link #slicesFeedForward}:
     * out[b·dim ...] = down · SwiGLU(gate · x_b, up · x_b), x's rows first written by {@code prepare} as in
     * {@link #matmuls}. Each core takes slices of hidden units in turn: gate and up for every batch row into
     * buffers of its own, SwiGLU, and the slice written into its columns of down's input (native kernels: 256 units,
     * quantized; Java kernels: {@link #UNITS}, packed as {@link #matmul} packs it); down runs once at the end. The
     * floats are those of gate and up by {@link #matmuls}, SwiGLU and down by {@link #matmuls}, bit for bit, with no
     * batch × ffn array of gate and up outputs (a 256-row Llama-3.2-1B chunk: 16 MiB; issue 17's peak memory).
     */
    public static void feedForward(float[] x, int batch, int dim, FloatTensor gate, FloatTensor up, FloatTensor down,
                                   int ffn, float[] out, Parallel.IntRangeBody prepare) {
        feedForward(x, batch, dim, gate, up, down, ffn, out, prepare, null);
    }

    /**
     * {@link #feedForward} with the caller's {@code work} array (null: none) for down's input where the block runs in
     * the Java kernels and work holds the {@link #feedForwardWork} floats it needs (its contents are overwritten):
     * prefill lends an array idle in the block instead of the thread's own of that size (issue 17, peak memory).
     */
    public static void feedForward(float[] x, int batch, int dim, FloatTensor gate, FloatTensor up, FloatTensor down,
                                   int ffn, float[] out, Parallel.IntRangeBody prepare, float[] work) {
        feedForward(x, batch, dim, gate, up, down, ffn, out, prepare, work, null);
    }

    /**
     * {@link #feedForward} with, besides {@code work}, the caller's {@code packWork} array (null: none) for x's packed
     * rows where the block runs in the Java kernels (batch × dim floats: the packed groups and the rows after them;
     * neither x, out nor work).
     */
    public static void feedForward(float[] x, int batch, int dim, FloatTensor gate, FloatTensor up, FloatTensor down,
                                   int ffn, float[] out, Parallel.IntRangeBody prepare, float[] work,
                                   float[] packWork) {
        if (NativeMatmul.slicesFeedForward(gate, up, down, dim, ffn)) {
            NativeMatmul.feedForward(x, batch, dim, gate, up, down, ffn, out, prepare);
        } else {
            feedForwardFloats(x, batch, dim, gate, up, down, ffn, UNITS, out, prepare, work, packWork);
        }
    }

    /**
     * Floats of the work array {@link #feedForward} can use for a batch: batch × one chunk of hidden units
     * ({@link #feedForwardFloats}) in the Java kernels, else 0.
     */
    public static int feedForwardWork(FloatTensor gate, FloatTensor up, FloatTensor down, int dim, int ffn, int batch) {
        return !NativeMatmul.slicesFeedForward(gate, up, down, dim, ffn) && floatSlices(gate, up, down, dim, ffn)
                ? batch * downChunk(down, ffn, UNITS) : 0;
    }

    /** Hidden units per slice of {@link #feedForwardFloats}: 128 floats of each batch row per gate/up buffer. */
    static final int UNITS = 128;
    /** Per thread: one slice's gate and up outputs for {@link #feedForwardFloats} and {@link NativeMatmul}'s sliced block. */
    private static final ThreadLocal<float[][]> SLICE = ThreadLocal.withInitial(() -> new float[][] {{}, {}});

    /** This thread's two slice buffers (gate's and up's outputs for one slice), each of at least n floats. */
    static float[][] sliceBuffers(int n) {
        float[][] buffers = SLICE.get();
        if (buffers[0].length < n) {
            buffers[0] = new float[n];
            buffers[1] = new float[n];
        }
        return buffers;
    }
    /** Per calling thread: down's input in {@link #feedForwardFloats}, packed as {@link #packInputs} packs it. */
    private static final ThreadLocal<float[][]> DOWN_INPUT = ThreadLocal.withInitial(() -> new float[1][0]);

    /** Throws unless x and out each hold the feed-forward block's {@code batch} rows of {@code dim} floats. */
    static void requireBlockRows(float[] x, float[] out, int batch, int dim) {
        if (out.length < batch * dim || x.length < batch * dim) {
            throw new IllegalArgumentException("feed-forward block of " + batch + " rows of " + dim + ": x holds "
                    + x.length + ", out " + out.length + " floats");
        }
    }

    /**
     * {@link #feedForward} in the Java float kernels ({@link #floatSlices}), in slices of {@code units} hidden units
     * (a multiple of 64; the last slice shorter where ffn is no multiple). x's rows are written by {@code prepare} (a
     * parallel loop, as {@link #matmuls} runs it here) and packed once for gate and up; then one parallel loop over the
     * slices: per slice [h, h + s), gate's and up's weight rows h.. (whole tiles, each dequantized and transposed
     * once, as in one product) times every batch row into the thread's two batch × s buffers, SwiGLU over them, and
     * the slice written into its columns of down's input, already in {@link #packInputs}'s layout (a group's column k
     * is four floats, so a slice of columns is one range of each group; the rows after the last whole group stay
     * rows). The hidden units go in chunks of {@link #downChunk} (whole slices): each chunk's slices, then down over
     * the chunk's columns, its kernels carrying every output's sums in out from chunk to chunk in column order, so
     * down's input holds one chunk (batch × chunk floats, in {@code work} where it holds them, else in the calling
     * thread's own array). The floats are those of gate and up by {@link #matmul}, SwiGLU over whole rows and down
     * by {@link #matmul}, bit for bit, with no batch × ffn floats of gate and up outputs (a 256-row Llama-3.2-1B
     * chunk: 16 MiB) and down's input a quarter of batch × ffn there (2 MiB instead of 8; issue 17, peak memory).
     * x's rows after the last whole group are copied beside the packed groups, so out may be x.
     */
    static void feedForwardFloats(float[] x, int batch, int dim, FloatTensor gate, FloatTensor up, FloatTensor down,
                                  int ffn, int units, float[] out, Parallel.IntRangeBody prepare, float[] work) {
        feedForwardFloats(x, batch, dim, gate, up, down, ffn, units, out, prepare, work, null);
    }

    /** {@link #feedForwardFloats} with x's packed rows in {@code packWork} where it holds them (else the thread's own). */
    static void feedForwardFloats(float[] x, int batch, int dim, FloatTensor gate, FloatTensor up, FloatTensor down,
                                  int ffn, int units, float[] out, Parallel.IntRangeBody prepare, float[] work,
                                  float[] packWork) {
        if (!floatSlices(gate, up, down, dim, ffn) || units <= 0 || units % 64 != 0) {
            throw new IllegalArgumentException("feed-forward block in slices of " + units + " hidden units of " + ffn
                    + " in the Java kernels: needs " + gate.type() + ", " + up.type() + " and " + down.type()
                    + " products there, and multiples of 64");
        }
        requireBlockRows(x, out, batch, dim);
        requireWork(packWork, x, out, work);
        if (prepare != null) {
            Parallel.forRange(batch, 1, prepare);
        }
        float[] packed = packInputs(x, batch, dim, packWork, true);
        int chunk = downChunk(down, ffn, units);
        float[] input = work != null && work.length >= batch * chunk ? work : downInput(batch * chunk);
        int whole = batch / GROUP * GROUP;
        int tileRows = 2 * F.length();
        for (int c0 = 0; c0 < ffn; c0 += chunk) {
            int first = c0, width = Math.min(chunk, ffn - c0);
            Parallel.forRange((width + units - 1) / units, 1, (s0, s1) -> {
                float[][] buffers = sliceBuffers(batch * units);
                float[] g = buffers[0], u = buffers[1];
                for (int k = s0; k < s1; k++) {
                    int h = first + k * units, s = Math.min(units, first + width - h), at = h - first;
                    gate.multiplyRows(packed, packed, batch, dim, 0, dim, false, h, h + s, g, s, h);
                    up.multiplyRows(packed, packed, batch, dim, 0, dim, false, h, h + s, u, s, h);
                    VectorOps.swiglu(g, u, 0, batch * s);
                    for (int b = 0; b < whole; b += GROUP) {
                        for (int c = 0, to = b * width + at * GROUP; c < s; c++) {
                            for (int j = 0; j < GROUP; j++, to++) {
                                input[to] = g[(b + j) * s + c];
                            }
                        }
                    }
                    for (int b = whole; b < batch; b++) {
                        System.arraycopy(g, b * s, input, b * width + at, s);
                    }
                }
            });
            Parallel.forRange((dim + tileRows - 1) / tileRows, 1, (t0, t1) -> down.multiplyRows(input, input, batch,
                    ffn, first, width, first > 0, t0 * tileRows, Math.min(dim, t1 * tileRows), out, dim, 0));
        }
    }

    /**
     * Hidden units per chunk of {@link #feedForwardFloats} (rounded down to whole slices); tests and benchmarks set
     * it ({@link #downColumns(int)}; 0: one chunk, down's input batch × ffn as before rss22).
     */
    private static int downColumns = 2048;

    /** Sets {@link #downColumns}; returns the value before. Tests and benchmarks. */
    static int downColumns(int columns) {
        int before = downColumns;
        downColumns = columns;
        return before;
    }

    /**
     * Hidden units per chunk of {@link #feedForwardFloats}: {@link #downColumns} rounded down to whole slices of
     * {@code units}, where that leaves whole blocks of down's rows (else ffn: one chunk).
     */
    private static int downChunk(FloatTensor down, int ffn, int units) {
        int chunk = downColumns / units * units, block = down.type().blockSize();
        return chunk > 0 && chunk < ffn && chunk % block == 0 && ffn % block == 0 ? chunk : ffn;
    }

    /** Batch vectors per register block of {@link #kernel4}. */
    private static final int GROUP = 4;

    /** This thread's array for down's input in {@link #feedForwardFloats}, of at least n floats. */
    private static float[] downInput(int n) {
        float[][] held = DOWN_INPUT.get();
        if (held[0].length < n) {
            held[0] = new float[n];
        }
        return held[0];
    }

    /**
     * The batch in groups of {@link #GROUP} vectors, interleaved by column: packed[g·G·cols + k·G + j]
     * = x[(G·g + j)·cols + k]. The kernel then reads a group's inputs for one column from one index
     * with constant offsets, which keeps its general registers few enough that the JIT spills none.
     * Groups are packed over the cores: on one, the other idled for about 3% of a prefill. The
     * buffer is {@code work} where it holds {@link #packedFloats} (an array the caller lends), else the
     * calling thread's, reused from call to call: a new one per call was about 0.9 GB of garbage per
     * 256-token prefill of a 1B model. With {@code rest} the rows after the last whole group are copied after the
     * groups (at b·cols, as in x), so the packed array alone holds the batch.
     */
    private static float[] packInputs(float[] x, int batch, int cols, float[] work, boolean rest) {
        int groups = batch / GROUP;
        int n = rest ? batch * cols : groups * GROUP * cols;
        float[] packed;
        if (work != null && work.length >= n) {
            packed = work;
        } else {
            float[][] holder = PACKED.get();
            if (holder[0].length < n) {
                holder[0] = new float[n];
            }
            packed = holder[0];
        }
        if (rest) {
            System.arraycopy(x, groups * GROUP * cols, packed, groups * GROUP * cols, (batch - groups * GROUP) * cols);
        }
        Parallel.forRange(groups, 4, (g0, g1) -> {
            for (int g = g0; g < g1; g++) {
                int base = g * GROUP * cols;
                for (int j = 0; j < GROUP; j++) {
                    int from = (GROUP * g + j) * cols;
                    for (int k = 0, to = base + j; k < cols; k++, to += GROUP) {
                        packed[to] = x[from + k];
                    }
                }
            }
        });
        return packed;
    }

    /** Columns per step of {@link #transpose}: a tileRows × 16 block (2 KiB at most) stays in L1. */
    private static final int TRANSPOSE_COLUMNS = 16;

    /**
     * wt[(column + k)·tileRows + r] = w[r·cols + k] for r &lt; nr and k &lt; cols (rows nr.. of wt are left as they
     * are: the caller zeroes them). Full tiles on 16-lane
     * vectors go 16×16 at a time through registers ({@link #transpose16}); the rest in blocks of
     * {@link #TRANSPOSE_COLUMNS} columns, so the block's reads and writes stay in L1 instead of
     * each store landing on a different cache line of the whole tile.
     */
    private static void transpose(float[] w, int nr, int cols, float[] wt, int column, int tileRows) {
        int start = 0;
        int base = column * tileRows;
        if (F.length() == 16 && nr == tileRows) {
            for (; start + 16 <= cols; start += 16) {
                for (int r0 = 0; r0 < tileRows; r0 += 16) {
                    transpose16(w, r0 * cols + start, cols, wt, base + start * tileRows + r0, tileRows);
                }
            }
        }
        for (int k0 = start; k0 < cols; k0 += TRANSPOSE_COLUMNS) {
            int k1 = Math.min(cols, k0 + TRANSPOSE_COLUMNS);
            for (int r = 0; r < nr; r++) {
                int from = r * cols;
                for (int k = k0, to = base + k0 * tileRows + r; k < k1; k++, to += tileRows) {
                    wt[to] = w[from + k];
                }
            }
        }
    }

    /** Lane indices into two 16-lane vectors a ‖ b: a0 b0 a1 b1 … a7 b7, and a8 b8 … a15 b15. */
    private static final FloatVector ZIP_LOW = F.length() == 16 ? zipIndices(0) : null;
    private static final FloatVector ZIP_HIGH = F.length() == 16 ? zipIndices(8) : null;

    private static FloatVector zipIndices(int from) {
        float[] index = new float[16];
        for (int i = 0; i < 8; i++) {
            index[2 * i] = from + i;
            index[2 * i + 1] = 16 + from + i;
        }
        return FloatVector.fromArray(F, index, 0);
    }

    private static FloatVector zipLow(FloatVector a, FloatVector b) {
        return ZIP_LOW.selectFrom(a, b);
    }

    private static FloatVector zipHigh(FloatVector a, FloatVector b) {
        return ZIP_HIGH.selectFrom(a, b);
    }

    /**
     * The 16×16 block at w[wo + i·cols + j] into wt[to + j·tileRows + i], in registers (16-lane
     * vectors only). Four rounds of pairing row i with row i + 8 and zipping them into rows 2i and
     * 2i + 1 transpose the block: each round moves one bit of the column index into the row index.
     */
    private static void transpose16(float[] w, int wo, int cols, float[] wt, int to, int tileRows) {
        FloatVector v0 = FloatVector.fromArray(F, w, wo), v1 = FloatVector.fromArray(F, w, wo + cols);
        FloatVector v2 = FloatVector.fromArray(F, w, wo + 2 * cols), v3 = FloatVector.fromArray(F, w, wo + 3 * cols);
        FloatVector v4 = FloatVector.fromArray(F, w, wo + 4 * cols), v5 = FloatVector.fromArray(F, w, wo + 5 * cols);
        FloatVector v6 = FloatVector.fromArray(F, w, wo + 6 * cols), v7 = FloatVector.fromArray(F, w, wo + 7 * cols);
        FloatVector v8 = FloatVector.fromArray(F, w, wo + 8 * cols), v9 = FloatVector.fromArray(F, w, wo + 9 * cols);
        FloatVector v10 = FloatVector.fromArray(F, w, wo + 10 * cols), v11 = FloatVector.fromArray(F, w, wo + 11 * cols);
        FloatVector v12 = FloatVector.fromArray(F, w, wo + 12 * cols), v13 = FloatVector.fromArray(F, w, wo + 13 * cols);
        FloatVector v14 = FloatVector.fromArray(F, w, wo + 14 * cols), v15 = FloatVector.fromArray(F, w, wo + 15 * cols);
        FloatVector a0 = zipLow(v0, v8), a1 = zipHigh(v0, v8);
        FloatVector a2 = zipLow(v1, v9), a3 = zipHigh(v1, v9);
        FloatVector a4 = zipLow(v2, v10), a5 = zipHigh(v2, v10);
        FloatVector a6 = zipLow(v3, v11), a7 = zipHigh(v3, v11);
        FloatVector a8 = zipLow(v4, v12), a9 = zipHigh(v4, v12);
        FloatVector a10 = zipLow(v5, v13), a11 = zipHigh(v5, v13);
        FloatVector a12 = zipLow(v6, v14), a13 = zipHigh(v6, v14);
        FloatVector a14 = zipLow(v7, v15), a15 = zipHigh(v7, v15);
        FloatVector b0 = zipLow(a0, a8), b1 = zipHigh(a0, a8);
        FloatVector b2 = zipLow(a1, a9), b3 = zipHigh(a1, a9);
        FloatVector b4 = zipLow(a2, a10), b5 = zipHigh(a2, a10);
        FloatVector b6 = zipLow(a3, a11), b7 = zipHigh(a3, a11);
        FloatVector b8 = zipLow(a4, a12), b9 = zipHigh(a4, a12);
        FloatVector b10 = zipLow(a5, a13), b11 = zipHigh(a5, a13);
        FloatVector b12 = zipLow(a6, a14), b13 = zipHigh(a6, a14);
        FloatVector b14 = zipLow(a7, a15), b15 = zipHigh(a7, a15);
        FloatVector c0 = zipLow(b0, b8), c1 = zipHigh(b0, b8);
        FloatVector c2 = zipLow(b1, b9), c3 = zipHigh(b1, b9);
        FloatVector c4 = zipLow(b2, b10), c5 = zipHigh(b2, b10);
        FloatVector c6 = zipLow(b3, b11), c7 = zipHigh(b3, b11);
        FloatVector c8 = zipLow(b4, b12), c9 = zipHigh(b4, b12);
        FloatVector c10 = zipLow(b5, b13), c11 = zipHigh(b5, b13);
        FloatVector c12 = zipLow(b6, b14), c13 = zipHigh(b6, b14);
        FloatVector c14 = zipLow(b7, b15), c15 = zipHigh(b7, b15);
        FloatVector d0 = zipLow(c0, c8), d1 = zipHigh(c0, c8);
        FloatVector d2 = zipLow(c1, c9), d3 = zipHigh(c1, c9);
        FloatVector d4 = zipLow(c2, c10), d5 = zipHigh(c2, c10);
        FloatVector d6 = zipLow(c3, c11), d7 = zipHigh(c3, c11);
        FloatVector d8 = zipLow(c4, c12), d9 = zipHigh(c4, c12);
        FloatVector d10 = zipLow(c5, c13), d11 = zipHigh(c5, c13);
        FloatVector d12 = zipLow(c6, c14), d13 = zipHigh(c6, c14);
        FloatVector d14 = zipLow(c7, c15), d15 = zipHigh(c7, c15);
        d0.intoArray(wt, to);
        d1.intoArray(wt, to + tileRows);
        d2.intoArray(wt, to + 2 * tileRows);
        d3.intoArray(wt, to + 3 * tileRows);
        d4.intoArray(wt, to + 4 * tileRows);
        d5.intoArray(wt, to + 5 * tileRows);
        d6.intoArray(wt, to + 6 * tileRows);
        d7.intoArray(wt, to + 7 * tileRows);
        d8.intoArray(wt, to + 8 * tileRows);
        d9.intoArray(wt, to + 9 * tileRows);
        d10.intoArray(wt, to + 10 * tileRows);
        d11.intoArray(wt, to + 11 * tileRows);
        d12.intoArray(wt, to + 12 * tileRows);
        d13.intoArray(wt, to + 13 * tileRows);
        d14.intoArray(wt, to + 14 * tileRows);
        d15.intoArray(wt, to + 15 * tileRows);
    }

    /** One transposed tile of nr rows times every batch row; carry: added on to out's sums (see multiplyRows). */
    private static void multiplyTile(float[] wt, int nr, float[] x, float[] packed, int batch, int cols, float[] out,
                                     int rows, int r0, boolean carry) {
        int L = F.length();
        int tileRows = 2 * L;
        boolean fullTile = nr == tileRows;
        float[] partial = fullTile ? null : new float[GROUP * tileRows];
        int b = 0;
        for (; b + GROUP <= batch; b += GROUP) {
            if (fullTile) {
                kernel4(wt, packed, b * cols, cols, out, b * rows + r0, rows, carry);
            } else {
                for (int j = 0; carry && j < GROUP; j++) {
                    System.arraycopy(out, (b + j) * rows + r0, partial, j * tileRows, nr);
                }
                kernel4(wt, packed, b * cols, cols, partial, 0, tileRows, carry);
                for (int j = 0; j < GROUP; j++) {
                    System.arraycopy(partial, j * tileRows, out, (b + j) * rows + r0, nr);
                }
            }
        }
        for (; b < batch; b++) {
            if (fullTile) {
                kernel1(wt, x, b * cols, cols, out, b * rows + r0, carry);
            } else {
                if (carry) {
                    System.arraycopy(out, b * rows + r0, partial, 0, nr);
                }
                kernel1(wt, x, b * cols, cols, partial, 0, carry);
                System.arraycopy(partial, 0, out, b * rows + r0, nr);
            }
        }
    }

    /**
     * One transposed tile (two vectors of rows) times one packed group of four input vectors:
     * out[o + j·stride + r] for j &lt; 4 and r &lt; 2·L. Eight accumulators, two weight vectors and
     * four broadcasts: 14 vector registers, so AVX2's 16 suffice however the JIT orders the loads. With
     * {@code carry} the accumulators start from out's values (the same additions as one longer run), else zero.
     */
    private static void kernel4(float[] wt, float[] packed, int po, int cols, float[] out, int o, int stride,
                                boolean carry) {
        int L = F.length();
        FloatVector a0 = FloatVector.zero(F), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
        if (carry) {
            a0 = FloatVector.fromArray(F, out, o);
            b0 = FloatVector.fromArray(F, out, o + L);
            a1 = FloatVector.fromArray(F, out, o + stride);
            b1 = FloatVector.fromArray(F, out, o + stride + L);
            a2 = FloatVector.fromArray(F, out, o + 2 * stride);
            b2 = FloatVector.fromArray(F, out, o + 2 * stride + L);
            a3 = FloatVector.fromArray(F, out, o + 3 * stride);
            b3 = FloatVector.fromArray(F, out, o + 3 * stride + L);
        }
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

    /** One transposed tile times one input vector (the batch's remainder after groups of four); carry as kernel4. */
    private static void kernel1(float[] wt, float[] x, int xo, int cols, float[] out, int o, boolean carry) {
        int L = F.length();
        FloatVector a = FloatVector.zero(F), b = a;
        if (carry) {
            a = FloatVector.fromArray(F, out, o);
            b = FloatVector.fromArray(F, out, o + L);
        }
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
