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

    private PolicyKernels() {}

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
            throw t instanceof RuntimeException r ? r : new IllegalStateException("native kernel failed: " + t, t);
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
            throw t instanceof RuntimeException r ? r : new IllegalStateException("native kernel failed: " + t, t);
        }
        return true;
    }
}
