package org.kvscope.tensor;

/**
 * The arrays a matrix-vector product prepares from x (permuted copies, run sums), per calling
 * thread, reused from product to product: decode made about 0.5 MB of them per token. A product
 * ({@link FloatTensor#matvec}, {@code matvecs}, {@code matvecsThen}) starts by handing its
 * thread's arrays back; its {@code matvecRows} calls then take them in turn, and the rows read
 * them only until the product returns. Past {@link #SLOTS} arrays in one product (or calls
 * outside a product) take new arrays, so nothing is ever shared by mistake. The row bodies the
 * products hand to the cores are kept the same way.
 */
final class PreparedInputs {
    /** Enough for three K-quant matrices of one fused product (Q4_K prepares three arrays each). */
    private static final int SLOTS = 12;
    private static final ThreadLocal<PreparedInputs> OF_THREAD = ThreadLocal.withInitial(PreparedInputs::new);

    /** Row bodies per product: one per matrix of a fused product. */
    private static final int ROW_SLOTS = 4;

    private final float[][] arrays = new float[SLOTS][];
    private int next;
    private final SegmentTensor.ByteLaneRows[] byteLaneRows = new SegmentTensor.ByteLaneRows[ROW_SLOTS];
    private final FloatTensor.DotRows[] dotRows = new FloatTensor.DotRows[ROW_SLOTS];
    private final NativeRows[] nativeRows = new NativeRows[ROW_SLOTS];
    private int nextByteLaneRows, nextDotRows, nextNativeRows;

    private PreparedInputs() {}

    /** A product starts on this thread: the arrays taken by the previous one are free again. */
    static void startProduct() {
        PreparedInputs p = OF_THREAD.get();
        p.next = p.nextByteLaneRows = p.nextDotRows = p.nextNativeRows = 0;
    }

    /**
     * The product on this thread has returned: its row bodies drop what they referred to (a
     * tensor kept there would keep a closed model's weights reachable).
     */
    static void endProduct() {
        PreparedInputs p = OF_THREAD.get();
        for (int i = 0; i < p.nextByteLaneRows; i++) {
            p.byteLaneRows[i].clear();
        }
        for (int i = 0; i < p.nextDotRows; i++) {
            p.dotRows[i].clear();
        }
        for (int i = 0; i < p.nextNativeRows; i++) {
            p.nativeRows[i].clear();
        }
    }

    /**
     * A row body for the product running on this thread, to be filled by the caller: reused by
     * the next product (past {@link #ROW_SLOTS} in one product, a new one). So a product's
     * {@code matvecRows} allocates no closure per call.
     */
    static SegmentTensor.ByteLaneRows byteLaneRows() {
        PreparedInputs p = OF_THREAD.get();
        if (p.nextByteLaneRows == ROW_SLOTS) {
            return new SegmentTensor.ByteLaneRows();
        }
        SegmentTensor.ByteLaneRows r = p.byteLaneRows[p.nextByteLaneRows];
        if (r == null) {
            p.byteLaneRows[p.nextByteLaneRows] = r = new SegmentTensor.ByteLaneRows();
        }
        p.nextByteLaneRows++;
        return r;
    }

    /** {@link #byteLaneRows} for the row-by-row {@link FloatTensor#dot} body. */
    static FloatTensor.DotRows dotRows() {
        PreparedInputs p = OF_THREAD.get();
        if (p.nextDotRows == ROW_SLOTS) {
            return new FloatTensor.DotRows();
        }
        FloatTensor.DotRows r = p.dotRows[p.nextDotRows];
        if (r == null) {
            p.dotRows[p.nextDotRows] = r = new FloatTensor.DotRows();
        }
        p.nextDotRows++;
        return r;
    }

    /** {@link #byteLaneRows} for the native kernels' body (its native buffers are kept with it). */
    static NativeRows nativeRows() {
        PreparedInputs p = OF_THREAD.get();
        if (p.nextNativeRows == ROW_SLOTS) {
            return new NativeRows();
        }
        NativeRows r = p.nativeRows[p.nextNativeRows];
        if (r == null) {
            p.nativeRows[p.nextNativeRows] = r = new NativeRows();
        }
        p.nextNativeRows++;
        return r;
    }

    /**
     * A body of the product running on this thread that already quantized x[xOffset, +cols) for
     * typeCode's kernels (a fused product's earlier matrix), or null.
     */
    static NativeRows nativeRowsReading(float[] x, int xOffset, int cols, int typeCode) {
        PreparedInputs p = OF_THREAD.get();
        for (int i = 0; i < p.nextNativeRows; i++) {
            if (p.nativeRows[i].reads(x, xOffset, cols, typeCode)) {
                return p.nativeRows[i];
            }
        }
        return null;
    }

    /** An array of at least n floats, contents undefined, for the product running on this thread. */
    static float[] take(int n) {
        PreparedInputs p = OF_THREAD.get();
        if (p.next == SLOTS) {
            return new float[n];
        }
        float[] a = p.arrays[p.next];
        if (a == null || a.length < n) {
            p.arrays[p.next] = a = new float[n];
        }
        p.next++;
        return a;
    }
}
