package org.kvscope.tensor;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Decode attention over an F16 cache in the native library ({@code kvscope_attention.c}): one task of
 * {@code DecodeAttention} (a kv-head's run of slots, every query head of its group) in one call: the
 * scores over the keys' transposed blocks, their maximum, the exponentials and their sum, the weighted
 * values. Halves are converted by the CPU (F16C / AVX-512) and every float operation is the Java path's
 * in the Java path's order, so the results are the same bit for bit at every instruction-set level.
 * Runs where the native kernels do ({@link NativeKernels#active}: not with {@code --kernels java}).
 */
public final class NativeAttention {
    private static final MethodHandle ATTEND = NativeKernels.downcall("kvs_attend_f16", FunctionDescriptor.ofVoid(
            ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS,
            ADDRESS, ADDRESS, JAVA_INT));

    private NativeAttention() {}

    /** Whether {@link #attendF16} runs now (the library loaded and chosen). */
    public static boolean active() {
        return NativeKernels.active();
    }

    /** Floats of scratch per query head for a run of {@code slots} slots: from its first key block's start, whole blocks. */
    public static int scratchStride(int slots) {
        return (slots + 31) / 16 * 16;
    }

    /**
     * One task: for query head j of the group (queries qs[j·hd ..], already times the scale) and the slots
     * [s0, s1) of a head's keys (transposed blocks of 16 slots) and values (rows of hd halves),
     * partial[(task·group + j)·hd + d] = Σ_s e^(score_s − max)·v_s[d], pmax[task·group + j] = max,
     * psum[task·group + j] = Σ_s e^(score_s − max), all summed as the Java path of {@code lanes} lanes
     * (16 or 8) sums them. scratch holds group · stride floats, stride ≥ {@link #scratchStride}(s1 − s0).
     */
    public static void attendF16(MemorySegment keys, MemorySegment values, int s0, int s1, int hd, int group,
                                 int lanes, MemorySegment qs, MemorySegment scratch, int stride, MemorySegment partial,
                                 MemorySegment pmax, MemorySegment psum, int task) {
        try {
            ATTEND.invokeExact(keys, values, s0, s1, hd, group, lanes, qs, scratch, stride, partial, pmax, psum, task);
        } catch (Throwable t) {
            throw NativeKernels.failure(t);
        }
    }
}
