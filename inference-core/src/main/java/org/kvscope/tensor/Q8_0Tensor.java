package org.kvscope.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.kvscope.gguf.GGMLType;

/** Q8_0: blocks of 32 values as an f16 scale d and 32 signed bytes q; x = d·q. */
public final class Q8_0Tensor extends SegmentTensor {
    static final int BLOCK = 32, BYTES = 34;

    Q8_0Tensor(MemorySegment m, long size) {
        super(m, size);
    }

    @Override public GGMLType type() { return GGMLType.Q8_0; }

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
        int j = 0;
        if (L == 16) {
            // two blocks per iteration, four independent product chains
            for (; j + 2 * BLOCK <= n; j += 2 * BLOCK, block += 2 * BYTES) {
                ByteVector q0 = ByteVector.fromMemorySegment(ByteVector.SPECIES_256, m, block + 2, ByteOrder.LITTLE_ENDIAN);
                ByteVector q1 = ByteVector.fromMemorySegment(ByteVector.SPECIES_256, m, block + BYTES + 2,
                        ByteOrder.LITTLE_ENDIAN);
                FloatVector p0 = ((FloatVector) q0.convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromArray(F, x, xo + j));
                FloatVector p1 = ((FloatVector) q0.convertShape(VectorOperators.B2F, F, 1)).mul(FloatVector.fromArray(F, x, xo + j + 16));
                FloatVector p2 = ((FloatVector) q1.convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromArray(F, x, xo + j + 32));
                FloatVector p3 = ((FloatVector) q1.convertShape(VectorOperators.B2F, F, 1)).mul(FloatVector.fromArray(F, x, xo + j + 48));
                acc0 = p0.add(p1).fma(FloatVector.broadcast(F, Layouts.f16(m, block)), acc0);
                acc1 = p2.add(p3).fma(FloatVector.broadcast(F, Layouts.f16(m, block + BYTES)), acc1);
            }
        }
        for (; j < n; j += BLOCK, block += BYTES) {
            FloatVector sum = FloatVector.zero(F);
            for (int k = 0; k < BLOCK; k += L) {
                sum = Layouts.bytesToFloats(m, block + 2 + k).fma(FloatVector.fromArray(F, x, xo + j + k), sum);
            }
            acc0 = sum.fma(FloatVector.broadcast(F, Layouts.f16(m, block)), acc0);
        }
        return VectorOps.sum(acc0.add(acc1));
    }
}
