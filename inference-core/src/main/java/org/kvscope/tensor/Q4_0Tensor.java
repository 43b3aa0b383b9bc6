package org.kvscope.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.kvscope.gguf.GGMLType;

/**
 * Q4_0: blocks of 32 values as an f16 scale d and 16 bytes; element j (0..15) is the low nibble
 * of byte j, element j+16 its high nibble; x = d·(nibble − 8).
 *
 * <p>The kernels load a block's 16 bytes with one load and zero-extend them to int lanes, so a
 * lane's low nibble is element j and its high nibble element j + 16: x is read in its own order
 * (no permuted copy) and the nibbles come apart with an {@code and} and a shift on ints (byte
 * shifts, which x86 lacks, cost a widen-shift-narrow sequence each). On 16 lanes a nibble
 * becomes the float nibble − 8 by one in-register table look-up ({@code vpermd}) instead of
 * subtract-and-convert; on 8 lanes by subtract and convert.
 */
public final class Q4_0Tensor extends SegmentTensor {
    static final int BLOCK = 32, BYTES = 18;
    private static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    private static final VectorSpecies<Integer> I = Layouts.I;
    /** Float bits of nibble − 8 for nibbles 0..15, as an int vector (16-lane species only). */
    private static final IntVector NIBBLE_VALUES = F.length() == 16 ? nibbleValues() : null;

    Q4_0Tensor(MemorySegment m, long size) {
        super(m, size);
    }

    private static IntVector nibbleValues() {
        int[] bits = new int[16];
        for (int k = 0; k < 16; k++) {
            bits[k] = Float.floatToRawIntBits(k - 8);
        }
        return IntVector.fromArray(I, bits, 0);
    }

    @Override public GGMLType type() { return GGMLType.Q4_0; }

    @Override
    public float getFloat(long i) {
        long block = (i / BLOCK) * BYTES;
        int j = (int) (i % BLOCK);
        int b = Layouts.u8(m, block + 2 + (j & 15));
        int nib = j < 16 ? b & 0xF : b >>> 4;
        return Layouts.f16(m, block) * (nib - 8);
    }

    @Override
    protected void dequantizeBlocks(long offset, float[] dst, int dstOffset, int n) {
        int L = F.length();
        if (L == 16) {
            for (int j = 0; j < n; j += BLOCK) {
                long block = ((offset + j) / BLOCK) * BYTES;
                FloatVector d = FloatVector.broadcast(F, Layouts.f16(m, block));
                IntVector q = quants16(block);
                low16(q).mul(d).intoArray(dst, dstOffset + j);
                high16(q).mul(d).intoArray(dst, dstOffset + j + 16);
            }
            return;
        }
        if (L == 8) {
            for (int j = 0; j < n; j += BLOCK) {
                long block = ((offset + j) / BLOCK) * BYTES;
                FloatVector d = FloatVector.broadcast(F, Layouts.f16(m, block));
                ByteVector q = bytes16(block);
                IntVector q0 = (IntVector) q.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                IntVector q1 = (IntVector) q.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1);
                low8(q0).mul(d).intoArray(dst, dstOffset + j);
                low8(q1).mul(d).intoArray(dst, dstOffset + j + 8);
                high8(q0).mul(d).intoArray(dst, dstOffset + j + 16);
                high8(q1).mul(d).intoArray(dst, dstOffset + j + 24);
            }
            return;
        }
        for (int j = 0; j < n; j += BLOCK) {
            long block = ((offset + j) / BLOCK) * BYTES;
            float d = Layouts.f16(m, block);
            for (int k = 0; k < 16; k++) {
                int b = Layouts.u8(m, block + 2 + k);
                dst[dstOffset + j + k] = d * ((b & 0xF) - 8);
                dst[dstOffset + j + k + 16] = d * ((b >>> 4) - 8);
            }
        }
    }

    /** Decode's product: through {@link NativeKernels} where active, else row by row through {@link #dot}. */
    @Override
    protected MatvecRows matvecRows(float[] x, int xOffset, float[] out, int outOffset, int rows, int cols) {
        MatvecRows nativeRows = nativeRows(x, xOffset, out, outOffset, rows, cols);
        return nativeRows != null ? nativeRows : super.matvecRows(x, xOffset, out, outOffset, rows, cols);
    }

    /*
     * As in Q8_0Tensor, the helpers stay under 35 bytecodes so C2 always inlines them into the
     * hot loops (a vector passed across a real call is boxed).
     */

    @Override
    public float dot(long offset, float[] x, int xo, int n) {
        int L = F.length();
        if (L > 16 || 16 % L != 0 || !blockAligned(offset, n)) {
            return super.dot(offset, x, xo, n);
        }
        long block = (offset / BLOCK) * BYTES;
        return switch (L) {
            case 16 -> dot16(block, x, xo, n);
            case 8 -> dot8(block, x, xo, n);
            default -> dotAnyWidth(block, x, xo, n);
        };
    }

    /** AVX-512: two blocks a step into two accumulators, each block as two short FMA chains. */
    private float dot16(long block, float[] x, int xo, int n) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        int j = 0;
        for (; j + 2 * BLOCK <= n; j += 2 * BLOCK, block += 2 * BYTES) {
            int xj = xo + j;
            IntVector q = quants16(block), p = quants16(block + BYTES);
            FloatVector s = low16(q).mul(FloatVector.fromArray(F, x, xj));
            FloatVector t = low16(p).mul(FloatVector.fromArray(F, x, xj + 32));
            s = high16(q).fma(FloatVector.fromArray(F, x, xj + 16), s);
            t = high16(p).fma(FloatVector.fromArray(F, x, xj + 48), t);
            acc0 = s.fma(FloatVector.broadcast(F, Layouts.f16(m, block)), acc0);
            acc1 = t.fma(FloatVector.broadcast(F, Layouts.f16(m, block + BYTES)), acc1);
        }
        if (j < n) { // an odd block count
            IntVector q = quants16(block);
            FloatVector s = low16(q).mul(FloatVector.fromArray(F, x, xo + j));
            s = high16(q).fma(FloatVector.fromArray(F, x, xo + j + 16), s);
            acc0 = s.fma(FloatVector.broadcast(F, Layouts.f16(m, block)), acc0);
        }
        return VectorOps.sum(acc0.add(acc1));
    }

    /** AVX2: one block a step, its 16 bytes widened in two halves of eight ints; the lanes added in {@link VectorOps#sum}'s order. */
    private float dot8(long block, float[] x, int xo, int n) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        for (int j = 0; j < n; j += BLOCK, block += BYTES) {
            int xj = xo + j;
            ByteVector q = bytes16(block);
            IntVector q0 = (IntVector) q.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            IntVector q1 = (IntVector) q.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1);
            FloatVector d = FloatVector.broadcast(F, Layouts.f16(m, block));
            FloatVector s = low8(q0).mul(FloatVector.fromArray(F, x, xj));
            FloatVector t = high8(q0).mul(FloatVector.fromArray(F, x, xj + 16));
            s = low8(q1).fma(FloatVector.fromArray(F, x, xj + 8), s);
            t = high8(q1).fma(FloatVector.fromArray(F, x, xj + 24), t);
            acc0 = s.fma(d, acc0);
            acc1 = t.fma(d, acc1);
        }
        float[] lanes = lanesBuffer(); // C2 stops inlining before VectorOps.sum here: a vector passed to it is boxed (64 bytes a row)
        acc0.add(acc1).intoArray(lanes, 0);
        return VectorOps.sumLanes(lanes);
    }

    /** Widths below 8 lanes (128-bit vectors): bytes widened straight to floats, L at a time. */
    private float dotAnyWidth(long block, float[] x, int xo, int n) {
        int L = F.length();
        FloatVector acc = FloatVector.zero(F);
        for (int j = 0; j < n; j += BLOCK, block += BYTES) {
            FloatVector sum = FloatVector.zero(F);
            for (int k = 0; k < 16; k += L) {
                ByteVector q = Layouts.bytes(m, block + 2 + k);
                FloatVector lo = (FloatVector) q.and((byte) 0xF).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0);
                FloatVector hi = (FloatVector) q.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF).sub((byte) 8)
                        .convertShape(VectorOperators.B2F, F, 0);
                sum = lo.fma(FloatVector.fromArray(F, x, xo + j + k), sum);
                sum = hi.fma(FloatVector.fromArray(F, x, xo + j + k + 16), sum);
            }
            acc = sum.fma(FloatVector.broadcast(F, Layouts.f16(m, block)), acc);
        }
        return VectorOps.sum(acc);
    }

    /** The 16 quant bytes of the block at byte offset {@code block}. */
    private ByteVector bytes16(long block) {
        return ByteVector.fromMemorySegment(B16, m, block + 2, ByteOrder.LITTLE_ENDIAN);
    }

    /** The 16 quant bytes of a block zero-extended to 16 int lanes (16-lane species only). */
    private IntVector quants16(long block) {
        return (IntVector) bytes16(block).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
    }

    /** Low nibbles − 8 as floats, by table (16 lanes). */
    private static FloatVector low16(IntVector q) {
        return q.and(0xF).selectFrom(NIBBLE_VALUES).reinterpretAsFloats();
    }

    /** High nibbles − 8 as floats, by table (16 lanes; q zero-extended bytes). */
    private static FloatVector high16(IntVector q) {
        return q.lanewise(VectorOperators.LSHR, 4).selectFrom(NIBBLE_VALUES).reinterpretAsFloats();
    }

    /** Low nibbles − 8 as floats (any width). */
    private static FloatVector low8(IntVector q) {
        return (FloatVector) q.and(0xF).sub(8).convert(VectorOperators.I2F, 0);
    }

    /** High nibbles − 8 as floats (any width; q zero-extended bytes). */
    private static FloatVector high8(IntVector q) {
        return (FloatVector) q.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0);
    }
}
