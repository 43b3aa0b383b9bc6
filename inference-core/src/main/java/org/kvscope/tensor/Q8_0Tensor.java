package org.kvscope.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.kvscope.gguf.GGMLType;

/** Q8_0: blocks of 32 values as an f16 scale d and 32 signed bytes q; x = d·q. */
public final class Q8_0Tensor extends FloatTensor {
    static final int BLOCK = 32, BYTES = 34;
    private final MemorySegment m;
    private final long size;

    Q8_0Tensor(MemorySegment m, long size) {
        this.m = m;
        this.size = size;
    }

    @Override public GGMLType type() { return GGMLType.Q8_0; }

    @Override public long size() { return size; }

    @Override
    public float getFloat(long i) {
        long block = (i / BLOCK) * BYTES;
        return Layouts.f16(m, block) * m.get(Layouts.BYTE, block + 2 + i % BLOCK);
    }

    @Override
    protected void dequantizeBlocks(long offset, float[] dst, int dstOffset, int n) {
        for (int j = 0; j < n; j += BLOCK) {
            long block = ((offset + j) / BLOCK) * BYTES;
            float d = Layouts.f16(m, block);
            for (int k = 0; k < BLOCK; k++) {
                dst[dstOffset + j + k] = d * m.get(Layouts.BYTE, block + 2 + k);
            }
        }
    }

    @Override
    public float dot(long offset, float[] x, int xo, int n) {
        int L = F.length();
        if (L > BLOCK || BLOCK % L != 0 || !blockAligned(offset, n)) {
            return super.dot(offset, x, xo, n);
        }
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        long block = (offset / BLOCK) * BYTES;
        for (int j = 0; j < n; j += BLOCK, block += BYTES) {
            FloatVector sum = FloatVector.zero(F);
            for (int k = 0; k < BLOCK; k += L) {
                sum = Layouts.bytesToFloats(m, block + 2 + k).fma(FloatVector.fromArray(F, x, xo + j + k), sum);
            }
            FloatVector d = FloatVector.broadcast(F, Layouts.f16(m, block));
            if ((j & BLOCK) == 0) {
                acc0 = sum.fma(d, acc0);
            } else {
                acc1 = sum.fma(d, acc1);
            }
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }
}
