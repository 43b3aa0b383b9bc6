package org.kvscope.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.kvscope.gguf.GGMLType;

/** 32-bit floats. */
public final class F32Tensor extends SegmentTensor {

    F32Tensor(MemorySegment m, long size) {
        super(m, size);
    }

    @Override public GGMLType type() { return GGMLType.F32; }

    @Override
    public float getFloat(long i) {
        return m.get(Layouts.FLOAT, i * 4);
    }

    @Override
    protected void dequantizeBlocks(long offset, float[] dst, int dstOffset, int n) {
        MemorySegment.copy(m, Layouts.FLOAT, offset * 4, dst, dstOffset, n);
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
            a0 = FloatVector.fromMemorySegment(F, m, (offset + i) * 4, ByteOrder.LITTLE_ENDIAN)
                    .fma(FloatVector.fromArray(F, x, xo + i), a0);
            a1 = FloatVector.fromMemorySegment(F, m, (offset + i + L) * 4, ByteOrder.LITTLE_ENDIAN)
                    .fma(FloatVector.fromArray(F, x, xo + i + L), a1);
        }
        float s = VectorOps.sum(a0.add(a1));
        for (; i < n; i++) {
            s += getFloat(offset + i) * x[xo + i];
        }
        return s;
    }
}
