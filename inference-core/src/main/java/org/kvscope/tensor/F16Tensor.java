package org.kvscope.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import org.kvscope.gguf.GGMLType;

/**
 * IEEE 754 half-precision floats. The Vector API has no half→float conversion: decode's products
 * on 16-lane vectors convert in registers with integer operations ({@link #matvecRows}), exact
 * but for infinities and NaNs, which the tensor's {@link HalfExceptions} correct afterwards;
 * {@link #dot}, {@link #dequantize} and the rest use C2's auto-vectorisation of a plain
 * {@link Float#float16ToFloat} loop (the CPU's F16C / AVX-512 conversion) into a small buffer.
 */
public final class F16Tensor extends SegmentTensor {
    /** Halves converted per step of {@link #dotConverted}: 2 KiB of floats, well inside L1. */
    private static final int CHUNK = 512;
    private static final ThreadLocal<float[]> CHUNK_BUFFER = ThreadLocal.withInitial(() -> new float[CHUNK]);

    F16Tensor(MemorySegment m, long size) {
        super(m, size);
    }

    @Override public GGMLType type() { return GGMLType.F16; }

    @Override
    public float getFloat(long i) {
        return Layouts.f16(m, i * 2);
    }

    @Override
    protected void dequantizeBlocks(long offset, float[] dst, int dstOffset, int n) {
        convert(offset * 2, dst, dstOffset, n);
    }

    /** n halves from byteOffset into dst; kept as a simple counted loop so C2 vectorises it. */
    private void convert(long byteOffset, float[] dst, int dstOffset, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOffset + i] = Float.float16ToFloat(m.get(Layouts.SHORT, byteOffset + 2L * i));
        }
    }

    /** Σ this·x through the CPU's own conversion ({@link #dotConverted}): exact for every half. */
    @Override
    public float dot(long offset, float[] x, int xo, int n) {
        return dotConverted(offset, x, xo, n);
    }

    /**
     * Decode's product: through {@link NativeKernels} where active (the CPU's exact conversion, x
     * in float). Else, on 16-lane vectors: a row read as int lanes of two halves each
     * ({@link HalfPairs}), each half made a float where it sits by an arithmetic shift right by 3
     * and one mask (the low half first shifted up by 16): sign, exponent and mantissa then sit in
     * a float's places with the exponent 112 short of the float bias, so the float is the half's
     * value times 2^−112 exactly, zeros and subnormals included. x is scaled by 2^64 once per
     * product and each row's sum by 2^48, powers of two: the products are those of the exact
     * values unless one falls below 2^−78 (it then keeps fewer bits). Infinities and NaNs come
     * out finite; the tensor's {@link HalfExceptions}, found once on first use, put each right
     * with one scalar term. Inputs of magnitude 2^60 or more, and tensors where that index does
     * not pay, take the exact conversion.
     */
    @Override
    protected MatvecRows matvecRows(float[] x, int xOffset, float[] out, int outOffset, int rows, int cols) {
        MatvecRows nativeRows = nativeRows(x, xOffset, out, outOffset, rows, cols);
        if (nativeRows != null) {
            return nativeRows;
        }
        HalfExceptions odd = IN_REGISTERS ? exceptions() : null;
        if (odd == null || !scalable(x, xOffset, cols)) {
            return super.matvecRows(x, xOffset, out, outOffset, rows, cols);
        }
        float[] xp = HalfPairs.split(x, xOffset, cols, X_SCALE);
        int tail = HalfPairs.tailStart(cols);
        return (from, to) -> {
            for (int r = from; r < to; r++) {
                long offset = (long) r * cols;
                float s = dotPairs(offset * 2, xp, tail);
                for (int i = tail; i < cols; i++) {
                    s += scaledHalf(m.get(Layouts.SHORT, 2 * (offset + i))) * xp[i];
                }
                out[outOffset + r] = s * SUM_SCALE + corrections(odd, offset, x, xOffset, cols);
            }
        };
    }

    /** x's scale in {@link #matvecRows}, and the row sums' (2^64 · 2^48 · 2^−112 = 1). */
    private static final float X_SCALE = 0x1p64f, SUM_SCALE = 0x1p48f;

    /** Whether every |x| is below 2^60, so that x · 2^64 stays finite (a NaN passes: it stays NaN). */
    private static boolean scalable(float[] x, int xOffset, int n) {
        for (int i = 0; i < n; i++) {
            if (Math.abs(x[xOffset + i]) >= 0x1p60f) {
                return false;
            }
        }
        return true;
    }

    /** Σ over a row's first {@code n} values (whole groups of 2L) against x laid out by {@link HalfPairs#split}. */
    private float dotPairs(long at, float[] xp, int n) {
        int L = F.length();
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i + 4 * L <= n; i += 4 * L) {
            IntVector p = IntVector.fromMemorySegment(Layouts.I, m, at + 2L * i, ByteOrder.LITTLE_ENDIAN);
            IntVector q = IntVector.fromMemorySegment(Layouts.I, m, at + 2L * (i + 2 * L), ByteOrder.LITTLE_ENDIAN);
            a0 = low(p).fma(FloatVector.fromArray(F, xp, i), a0);
            a1 = high(p).fma(FloatVector.fromArray(F, xp, i + L), a1);
            a2 = low(q).fma(FloatVector.fromArray(F, xp, i + 2 * L), a2);
            a3 = high(q).fma(FloatVector.fromArray(F, xp, i + 3 * L), a3);
        }
        if (i < n) { // an odd group count
            IntVector p = IntVector.fromMemorySegment(Layouts.I, m, at + 2L * i, ByteOrder.LITTLE_ENDIAN);
            a0 = low(p).fma(FloatVector.fromArray(F, xp, i), a0);
            a1 = high(p).fma(FloatVector.fromArray(F, xp, i + L), a1);
        }
        return VectorOps.sum(a0.add(a1).add(a2.add(a3)));
    }

    /** The bits kept after the shift: sign, exponent and mantissa, not the sign's copies or the low half's bits. */
    private static final int KEPT = 0x8FFFE000;

    /** The even elements (low halves) times 2^−112. */
    private static FloatVector low(IntVector pairs) {
        return pairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(KEPT).reinterpretAsFloats();
    }

    /** The odd elements (high halves) times 2^−112. */
    private static FloatVector high(IntVector pairs) {
        return pairs.lanewise(VectorOperators.ASHR, 3).and(KEPT).reinterpretAsFloats();
    }

    /** One half as {@link #low} and {@link #high} convert it: its value times 2^−112, unless infinite or NaN. */
    static float scaledHalf(short h) {
        return Float.intBitsToFloat((h << 13) & KEPT);
    }

    /** Exact minus fast terms of a row's infinities and NaNs, in x's own units. */
    private float corrections(HalfExceptions odd, long offset, float[] x, int xOffset, int cols) {
        int[] positions = odd.positions();
        float correction = 0f;
        for (int k = odd.firstAtOrAfter(offset); k < positions.length && positions[k] < offset + cols; k++) {
            short h = m.get(Layouts.SHORT, 2L * positions[k]);
            correction += (Float.float16ToFloat(h) - scaledHalf(h) * 0x1p112f) * x[xOffset + (int) (positions[k] - offset)];
        }
        return correction;
    }

    /** The halves' exceptions, found on first use (null: use the exact conversion). */
    private HalfExceptions exceptions() {
        Object e = exceptions;
        if (e == null) {
            synchronized (this) {
                e = exceptions;
                if (e == null) {
                    HalfExceptions found = HalfExceptions.find(m, size());
                    exceptions = e = found == null ? NONE : found;
                }
            }
        }
        return e == NONE ? null : (HalfExceptions) e;
    }

    /**
     * The in-register conversion on 16-lane vectors only. An earlier form of it, held to AVX2
     * code (-XX:UseAVX=2) on an AVX-512 machine, ran 9–14 GB/s on one core against 16–17 for
     * the buffered conversion ({@code F16Matvec} in benchmarks/jmh, docs/BENCHMARKS.md), so
     * 8-lane machines keep that.
     */
    static final boolean IN_REGISTERS = F.length() == 16;

    private static final Object NONE = new Object();
    /** A {@link HalfExceptions}, or {@link #NONE} where the tensor keeps the exact conversion. */
    private volatile Object exceptions;

    /** Σ this·x through the CPU's own half-to-float conversion, chunk by chunk; exact for every value. */
    float dotConverted(long offset, float[] x, int xo, int n) {
        int L = F.length();
        float[] buffer = CHUNK_BUFFER.get();
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        float tail = 0f;
        for (int c = 0; c < n; c += CHUNK) {
            int len = Math.min(CHUNK, n - c);
            convert((offset + c) * 2, buffer, 0, len);
            int i = 0;
            for (; i + 4 * L <= len; i += 4 * L) {
                a0 = FloatVector.fromArray(F, buffer, i).fma(FloatVector.fromArray(F, x, xo + c + i), a0);
                a1 = FloatVector.fromArray(F, buffer, i + L).fma(FloatVector.fromArray(F, x, xo + c + i + L), a1);
                a2 = FloatVector.fromArray(F, buffer, i + 2 * L).fma(FloatVector.fromArray(F, x, xo + c + i + 2 * L), a2);
                a3 = FloatVector.fromArray(F, buffer, i + 3 * L).fma(FloatVector.fromArray(F, x, xo + c + i + 3 * L), a3);
            }
            for (; i < len; i++) {
                tail += buffer[i] * x[xo + c + i];
            }
        }
        return VectorOps.sum(a0.add(a1).add(a2.add(a3))) + tail;
    }
}
