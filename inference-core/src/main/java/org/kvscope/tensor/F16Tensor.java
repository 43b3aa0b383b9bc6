package org.kvscope.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import org.kvscope.gguf.GGMLType;

/**
 * IEEE 754 half-precision floats. The Vector API has no half→float conversion: {@link #dot}
 * converts in registers with integer operations, exact for normal halves, and corrects the few
 * others afterwards ({@link HalfExceptions}); {@link #dequantize} and tensors too odd for that use
 * C2's auto-vectorisation of a plain {@link Float#float16ToFloat} loop (the CPU's F16C / AVX-512
 * conversion) into a small buffer.
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
     * Halves converted in registers the fast way, exponent and mantissa shifted into a float's
     * place and the exponent re-biased (three integer operations and no float arithmetic before
     * the FMA). That is exact for normal halves only; zeros, subnormals, infinities and NaNs come
     * out wrong, and the tensor's {@link HalfExceptions}, found once on first use, put each of
     * them right afterwards with one scalar term. Tensors where that index does not pay use
     * {@link #dotConverted}.
     */
    @Override
    public float dot(long offset, float[] x, int xo, int n) {
        HalfExceptions odd = IN_REGISTERS ? exceptions() : null;
        if (odd == null) {
            return dotConverted(offset, x, xo, n);
        }
        int L = F.length();
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        long b = offset * 2;
        int i = 0;
        for (int last = n - 2 * L; i <= last; i += 2 * L) {
            long at = b + 2L * i;
            a0 = fastHalves(Layouts.shortsToInts(m, at)).fma(FloatVector.fromArray(F, x, xo + i), a0);
            a1 = fastHalves(Layouts.shortsToInts(m, at + 2L * L)).fma(FloatVector.fromArray(F, x, xo + i + L), a1);
        }
        float sum = VectorOps.sum(a0.add(a1));
        for (; i < n; i++) {
            sum += fastHalf(m.get(Layouts.SHORT, b + 2L * i)) * x[xo + i];
        }
        int[] positions = odd.positions();
        float correction = 0f;
        for (int k = odd.firstAtOrAfter(offset); k < positions.length && positions[k] < offset + n; k++) {
            short h = m.get(Layouts.SHORT, 2L * positions[k]);
            correction += (Float.float16ToFloat(h) - fastHalf(h)) * x[xo + (int) (positions[k] - offset)];
        }
        return sum + correction;
    }

    /** Finds the exceptions before the rows go to the cores, so that the scan itself runs on all of them. */
    @Override
    protected MatvecRows matvecRows(float[] x, int xOffset, float[] out, int outOffset, int rows, int cols) {
        if (IN_REGISTERS) {
            exceptions();
        }
        return super.matvecRows(x, xOffset, out, outOffset, rows, cols);
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
     * The in-register conversion on 16-lane vectors only. With C2 held to AVX2 code
     * (-XX:UseAVX=2) on an AVX-512 machine it ran 9–14 GB/s on one core against 16–17 for the
     * buffered conversion ({@code F16Matvec} in benchmarks/jmh, docs/BENCHMARKS.md), so 8-lane machines keep that.
     */
    static final boolean IN_REGISTERS = F.length() == 16;

    private static final Object NONE = new Object();
    /** A {@link HalfExceptions}, or {@link #NONE} where the tensor keeps the exact conversion. */
    private volatile Object exceptions;

    /**
     * Sign-extended halves as floats, exact for normal halves only (see {@link #dot}): shifted
     * left by 13, a sign-extended half has its sign in bit 31 and copies of it in bits 30..28,
     * exponent and mantissa already in a float's place; clearing the copies and re-biasing the
     * exponent (+112, which never carries into the sign) are two more operations, three in all.
     */
    private static FloatVector fastHalves(IntVector h) {
        return h.lanewise(VectorOperators.LSHL, 13).and(0x8fffffff).add(0x38000000).reinterpretAsFloats();
    }

    /** One half as {@link #fastHalves} converts it. */
    static float fastHalf(short h) {
        return Float.intBitsToFloat(((h << 13) & 0x8fffffff) + 0x38000000);
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
