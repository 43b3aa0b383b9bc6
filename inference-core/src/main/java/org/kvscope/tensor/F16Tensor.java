package org.kvscope.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import org.kvscope.gguf.GGMLType;

/**
 * IEEE 754 half-precision floats. The Vector API has no half→float conversion: on 16-lane vectors
 * {@link #dot} converts in registers with integer operations; {@link #dequantize}, narrower
 * vectors, and rows holding an infinity or NaN use C2's auto-vectorisation of a plain
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

    /**
     * Halves converted in registers with integer operations: exponent and mantissa shifted into
     * a float's place and the exponent re-biased; subnormal halves (m·2⁻²⁴, common among small
     * weights) get one more exponent step and 2⁻¹⁴ subtracted, so no float arithmetic ever sees a
     * denormal operand (slow on many CPUs). Exact for every finite half. A running maximum of the
     * shifted bits finds infinities and NaNs; a row holding one is done again by
     * {@link #dotConverted}. Only where {@link #IN_REGISTERS}; elsewhere {@link #dotConverted}.
     */
    @Override
    public float dot(long offset, float[] x, int xo, int n) {
        if (!IN_REGISTERS) {
            return dotConverted(offset, x, xo, n);
        }
        int L = F.length();
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        IntVector top = IntVector.zero(Layouts.I);
        long b = offset * 2;
        int i = 0;
        for (; i + 2 * L <= n; i += 2 * L, b += 4L * L) {
            IntVector h = Layouts.shortsToInts(m, b), g = Layouts.shortsToInts(m, b + 2L * L);
            IntVector mh = magnitudeBits(h), mg = magnitudeBits(g);
            top = top.max(mh).max(mg);
            a0 = finiteHalves(h, mh).fma(FloatVector.fromArray(F, x, xo + i), a0);
            a1 = finiteHalves(g, mg).fma(FloatVector.fromArray(F, x, xo + i + L), a1);
        }
        if (top.reduceLanes(VectorOperators.MAX) >= INFINITY_BITS) {
            return dotConverted(offset, x, xo, n);
        }
        float sum = VectorOps.sum(a0.add(a1));
        for (; i < n; i++) {
            sum += getFloat(offset + i) * x[xo + i];
        }
        return sum;
    }

    /**
     * The in-register conversion on 16-lane vectors only. Its subnormal fix-up is two masked
     * instructions with AVX-512's mask registers; AVX2 has none and C2 emulates them with blends.
     * With C2 limited to AVX2 (-XX:UseAVX=2) on an AVX-512 machine, all decode matrices of a 1B
     * model ran at 14.5 GB/s against 18.9 for the buffered path (medians of 15), so narrower
     * vectors keep the buffered conversion.
     */
    static final boolean IN_REGISTERS = F.length() == 16;

    /** {@link #magnitudeBits} of a half infinity; NaNs are above. */
    private static final int INFINITY_BITS = 0x7c00 << 13;

    /** A half's exponent and mantissa where a float keeps them. */
    private static IntVector magnitudeBits(IntVector h) {
        return h.lanewise(VectorOperators.LSHL, 13).and(0x0fffe000);
    }

    /** Sign-extended halves h with their {@link #magnitudeBits} as floats; exact for finite halves. */
    private static FloatVector finiteHalves(IntVector h, IntVector magnitude) {
        VectorMask<Integer> subnormal = magnitude.compare(VectorOperators.LT, 1 << 23);
        return magnitude.add(0x38000000).add(1 << 23, subnormal).reinterpretAsFloats()
                .sub(0x1p-14f, subnormal.cast(F))
                .reinterpretAsInts().or(h.and(0x80000000)).reinterpretAsFloats();
    }

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
