package org.kvscope.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.kvscope.gguf.GGMLType;

/**
 * Q4_0: blocks of 32 values as an f16 scale d and 16 bytes; element j (0..15) is the low nibble
 * of byte j, element j+16 its high nibble; x = d·(nibble − 8).
 */
public final class Q4_0Tensor extends SegmentTensor {
    static final int BLOCK = 32, BYTES = 18;

    Q4_0Tensor(MemorySegment m, long size) {
        super(m, size);
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

    @Override
    public float dot(long offset, float[] x, int xo, int n) {
        int L = F.length();
        if (L > 16 || 16 % L != 0 || !blockAligned(offset, n)) {
            return super.dot(offset, x, xo, n);
        }
        FloatVector acc = FloatVector.zero(F);
        long block = (offset / BLOCK) * BYTES;
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
}
