package org.kvscope.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import org.kvscope.gguf.GGMLType;

/**
 * bfloat16: the upper 16 bits of a float32. Decode's products read a row as int lanes of two
 * values each ({@link HalfPairs}): the high half is a float once the low half is cleared, the
 * low half once shifted up, one operation each.
 */
public final class BF16Tensor extends SegmentTensor {

    BF16Tensor(MemorySegment m, long size) {
        super(m, size);
    }

    @Override public GGMLType type() { return GGMLType.BF16; }

    @Override
    public float getFloat(long i) {
        return Float.intBitsToFloat((m.get(Layouts.SHORT, i * 2) & 0xFFFF) << 16);
    }

    @Override
    protected void dequantizeBlocks(long offset, float[] dst, int dstOffset, int n) {
        int L = F.length();
        int i = 0;
        for (; i + L <= n; i += L) {
            Layouts.bf16ToFloats(m, (offset + i) * 2).intoArray(dst, dstOffset + i);
        }
        for (; i < n; i++) {
            dst[dstOffset + i] = getFloat(offset + i);
        }
    }

    @Override
    public float dot(long offset, float[] x, int xo, int n) {
        int L = F.length();
        int i = 0;
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (; i + 2 * L <= n; i += 2 * L) {
            a0 = Layouts.bf16ToFloats(m, (offset + i) * 2).fma(FloatVector.fromArray(F, x, xo + i), a0);
            a1 = Layouts.bf16ToFloats(m, (offset + i + L) * 2).fma(FloatVector.fromArray(F, x, xo + i + L), a1);
        }
        float s = VectorOps.sum(a0.add(a1));
        for (; i < n; i++) {
            s += getFloat(offset + i) * x[xo + i];
        }
        return s;
    }

    @Override
    protected MatvecRows matvecRows(float[] x, int xOffset, float[] out, int outOffset, int rows, int cols) {
        float[] xp = HalfPairs.split(x, xOffset, cols, 1f);
        int tail = HalfPairs.tailStart(cols);
        return (from, to) -> {
            for (int r = from; r < to; r++) {
                long offset = (long) r * cols;
                float s = dotPairs(offset * 2, xp, tail);
                for (int i = tail; i < cols; i++) {
                    s += getFloat(offset + i) * xp[i];
                }
                out[outOffset + r] = s;
            }
        };
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

    /** The even elements: each lane's low half shifted into a float's high half. */
    private static FloatVector low(IntVector pairs) {
        return pairs.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** The odd elements: each lane's high half, the low half cleared. */
    private static FloatVector high(IntVector pairs) {
        return pairs.and(0xFFFF0000).reinterpretAsFloats();
    }
}
