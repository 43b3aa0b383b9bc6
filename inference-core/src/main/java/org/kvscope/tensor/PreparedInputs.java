package org.kvscope.tensor;

/**
 * The arrays a matrix-vector product prepares from x (permuted copies, run sums), per calling
 * thread, reused from product to product: decode made about 0.5 MB of them per token. A product
 * ({@link FloatTensor#matvec}, {@code matvecs}, {@code matvecsThen}) starts by handing its
 * thread's arrays back; its {@code matvecRows} calls then take them in turn, and the rows read
 * them only until the product returns. Past {@link #SLOTS} arrays in one product (or calls
 * outside a product) take new arrays, so nothing is ever shared by mistake.
 */
final class PreparedInputs {
    /** Enough for three K-quant matrices of one fused product (Q4_K prepares three arrays each). */
    private static final int SLOTS = 12;
    private static final ThreadLocal<PreparedInputs> OF_THREAD = ThreadLocal.withInitial(PreparedInputs::new);

    private final float[][] arrays = new float[SLOTS][];
    private int next;

    private PreparedInputs() {}

    /** A product starts on this thread: the arrays taken by the previous one are free again. */
    static void startProduct() {
        OF_THREAD.get().next = 0;
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
