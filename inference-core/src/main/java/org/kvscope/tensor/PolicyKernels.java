package org.kvscope.tensor;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Native kernels for the compression policies' scoring ({@code kvscope_policy_kernels.c}), bit-identical to the
 * Java loops they stand for: a caller falls back to its loop when {@link #dots} returns false (the library did not
 * load). Used wherever the library loads, whatever {@link NativeKernels#use} chose for the weight products, since
 * nothing is rounded differently.
 */
public final class PolicyKernels {
    /**
     * kvs_matvec's argument list (reserved int, x, row stride, y, d, from, to, out), so that the foreign linker reuses
     * the handle it made for that one (its cache is by descriptor): a new shape cost a fresh JVM 20-60 ms to link.
     */
    private static final MethodHandle DOTS = NativeKernels.downcall("kvs_dots_f64", FunctionDescriptor.ofVoid(
            JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));

    /** The same argument list (k, scores, reserved, heap, from, to, unused, out). */
    private static final MethodHandle BEST = NativeKernels.downcall("kvs_best_f32", FunctionDescriptor.ofVoid(
            JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));

    /** The same argument list (reserved, keys, d, [anchor | squares], n, from, to, out). */
    private static final MethodHandle KEYDIFF = NativeKernels.downcall("kvs_keydiff_f32", FunctionDescriptor.ofVoid(
            JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));

    /** The same argument list (heads, scores, n, scratch, end, safe, selectable, out). */
    private static final MethodHandle ADA = NativeKernels.downcall("kvs_ada_layer_f32", FunctionDescriptor.ofVoid(
            JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));

    /** The same argument list (offset, rows, stride, sum, n, reserved, reserved, reserved). */
    private static final MethodHandle ADD_ROWS = NativeKernels.downcall("kvs_add_rows_f32", FunctionDescriptor.ofVoid(
            JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));

    private PolicyKernels() {}

    /**
     * sum[k] = (((sum[k] + w[o + k]) + w[o + s + k]) + w[o + 2s + k]) + w[o + 3s + k] for k in [0, n): the floats of
     * {@link VectorOps#addFourRows}, in AVX-512 (or AVX2) vectors: H2O's every-row sum of a block of four attention
     * rows, about twice as fast as that Vector API loop on AVX-512 (13 against 27 ms of CPU over a 2,048-token
     * prefill's rows of the SmolLM2-135M shape, one thread).
     *
     * @return false, with nothing written, when the native library is unavailable
     */
    public static boolean addFourRows(float[] sum, float[] w, int o, int s, int n) {
        if (ADD_ROWS == null) {
            return false;
        }
        if (n < 0 || o < 0 || s < 0 || n > sum.length || (n > 0 && o + 3L * s + n > w.length)) {
            throw new IllegalArgumentException("four rows of " + n + " at " + o + ", stride " + s + ", need " + n
                    + " sums and " + (o + 3L * s + n) + " weights; have " + sum.length + " and " + w.length);
        }
        try {
            ADD_ROWS.invokeExact(o, MemorySegment.ofArray(w), (long) s, MemorySegment.ofArray(sum), n, 0, 0,
                    MemorySegment.NULL);
        } catch (Throwable t) {
            throw NativeKernels.failure(t);
        }
        return true;
    }

    /** Whether the native kernels loaded (when not, {@link #dots} and {@link #best} return false). */
    public static boolean available() {
        return DOTS != null;
    }

    /**
     * out[0 .. k) = the indices i in [from, to) of the k best scores, ties to the lower index, increasing, where
     * k = out.length (0 &lt; k ≤ to − from): org.kvscope.kv.TopK's order (scores as Float.compare ranks them, −0 as +0,
     * NaN above every number), the same set by construction (the k-th best key is unique), from a native heap of
     * k keys ({@code heap}: scratch of at least k longs).
     *
     * @return false, with nothing written, when the native library is unavailable
     */
    public static boolean best(float[] scores, int from, int to, long[] heap, int[] out) {
        if (BEST == null) {
            return false;
        }
        int k = out.length;
        if (from < 0 || to > scores.length || k < 1 || k > to - from || heap.length < k) {
            throw new IllegalArgumentException("best " + k + " of [" + from + ", " + to + ") of " + scores.length
                    + " scores with " + heap.length + " longs of scratch");
        }
        try {
            BEST.invokeExact(k, MemorySegment.ofArray(scores), 0L, MemorySegment.ofArray(heap), from, to, 0,
                    MemorySegment.ofArray(out));
        } catch (Throwable t) {
            throw NativeKernels.failure(t);
        }
        return true;
    }

    /**
     * out[i] = Σ x[i·d + j]·y[j] over j below d for each i below n, in double, summed as four interleaved sums
     * (sum l adds the terms with j ≡ l mod 4 in order; the rest of d goes to sum 0) combined as (s0 + s1) + (s2 + s3),
     * each product rounded before it is added: the floats of that Java loop, four rows at a time in AVX2 vectors.
     *
     * @return false, with nothing written, when the native library is unavailable
     */
    public static boolean dots(float[] x, int n, int d, double[] y, double[] out) {
        if (DOTS == null) {
            return false;
        }
        if (n < 0 || d < 0 || (long) n * d > x.length || d > y.length || n > out.length) {
            throw new IllegalArgumentException("dots of " + n + " rows of " + d + " need " + (long) n * d
                    + " values, " + d + " and " + n + " slots; have " + x.length + ", " + y.length + ", " + out.length);
        }
        try {
            DOTS.invokeExact(0, MemorySegment.ofArray(x), (long) d, MemorySegment.ofArray(y), d, 0, n,
                    MemorySegment.ofArray(out));
        } catch (Throwable t) {
            throw NativeKernels.failure(t);
        }
        return true;
    }

    /**
     * KeyDiff's scores of n keys of length d (position-major in {@code keys}) against the anchor sum S: with
     * ‖S‖ = max(√(Σ S[j]², in order), n·1e-12), out[i] = (float) −(dots[i] / (max(√squares[i], 1e-12) · ‖S‖)), dots[i]
     * as {@link #dots} computes them: the floats of those Java expressions, with no loop left in Java for a fresh JVM's
     * first selection to run before C2 has compiled it.
     *
     * @return false, with nothing written, when the native library is unavailable
     */
    public static boolean keyDiffScores(float[] keys, int n, int d, double[] anchor, double[] squares, float[] out) {
        if (KEYDIFF == null) {
            return false;
        }
        if (n < 0 || d < 0 || (long) n * d > keys.length || d > anchor.length || n > squares.length || n > out.length) {
            throw new IllegalArgumentException("KeyDiff scores of " + n + " keys of " + d + " need " + (long) n * d
                    + " values, " + d + " and " + n + " slots; have " + keys.length + ", " + anchor.length + ", "
                    + squares.length + ", " + out.length);
        }
        double[] y = KernelScratch.doubles(d + n); // one array: the argument list has one input besides the keys
        System.arraycopy(anchor, 0, y, 0, d);
        System.arraycopy(squares, 0, y, d, n);
        try {
            KEYDIFF.invokeExact(0, MemorySegment.ofArray(keys), (long) d, MemorySegment.ofArray(y), n, 0, n,
                    MemorySegment.ofArray(out));
        } catch (Throwable t) {
            throw NativeKernels.failure(t);
        }
        return true;
    }

    /**
     * One layer of Ada-KV's selection (org.kvscope.kv.AdaKvPolicy's sets, by the same rules): {@code heads} rows of
     * {@code n} scores, row h at {@code scores[h·n ..]}, candidates the positions below {@code end}; each head's own
     * top {@code safe} (TopK order, the position as index), then the best remaining candidates of all heads (index
     * h·n + p) up to heads·selectable selected in all, then the window [end, n). out[h] = head h's count; its
     * positions, increasing, at out[heads + h·n ..].
     *
     * @param scratch at least heads + max(1, heads·selectable) longs
     * @param out     at least heads·(n + 1) ints
     * @return false, with nothing written, when the native library is unavailable
     */
    public static boolean adaLayer(float[] scores, int heads, int n, int end, int safe, int selectable, long[] scratch,
                                   int[] out) {
        if (ADA == null) {
            return false;
        }
        if (heads < 1 || n < 0 || end < 0 || end > n || safe < 0 || selectable < 0 || (long) heads * n > scores.length
                || (long) heads * (n + 1) > out.length || scratch.length < heads + Math.max(1L, (long) heads * selectable)
                || (long) heads * n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("Ada-KV layer of " + heads + " heads of " + n + " scores (end " + end
                    + ", safe " + safe + ", selectable " + selectable + ") with " + scores.length + " scores, "
                    + scratch.length + " longs of scratch and " + out.length + " slots");
        }
        try {
            ADA.invokeExact(heads, MemorySegment.ofArray(scores), (long) n, MemorySegment.ofArray(scratch), end, safe,
                    selectable, MemorySegment.ofArray(out));
        } catch (Throwable t) {
            throw NativeKernels.failure(t);
        }
        return true;
    }
}
