package org.kvscope.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.kvscope.gguf.GGMLType;

/** bfloat16: the upper 16 bits of a float32. */
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

    /** Decode's product: through {@link NativeKernels} where active (x in float), else row by row through {@link #dot}. */
    @Override
    protected MatvecRows matvecRows(float[] x, int xOffset, float[] out, int outOffset, int rows, int cols) {
        MatvecRows nativeRows = nativeRows(x, xOffset, out, outOffset, rows, cols);
        return nativeRows != null ? nativeRows : super.matvecRows(x, xOffset, out, outOffset, rows, cols);
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
}
