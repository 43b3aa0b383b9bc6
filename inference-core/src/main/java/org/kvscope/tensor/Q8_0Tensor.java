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
        int L = F.length();
        for (int j = 0; j < n; j += BLOCK) {
            long block = ((offset + j) / BLOCK) * BYTES;
            FloatVector d = FloatVector.broadcast(F, Layouts.f16(m, block));
            for (int k = 0; k < BLOCK; k += L) {
                Layouts.bytesToFloats(m, block + 2 + k).mul(d).intoArray(dst, dstOffset + j + k);
            }
        }
    }

    /** One block (32 quants) dotted with x, scaled and added to acc; 16-lane species only. */
    private FloatVector pair(long block, float[] x, int xo, FloatVector acc) {
        ByteVector q = ByteVector.fromMemorySegment(ByteVector.SPECIES_256, m, block + 2, ByteOrder.LITTLE_ENDIAN);
        FloatVector lo = ((FloatVector) q.convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromArray(F, x, xo));
        FloatVector s = ((FloatVector) q.convertShape(VectorOperators.B2F, F, 1)).fma(FloatVector.fromArray(F, x, xo + 16), lo);
        return s.fma(FloatVector.broadcast(F, Layouts.f16(m, block)), acc);
    }

    /** One block as four 8-lane products in two independent chains, scaled and added to acc; 8-lane species only. */
    private FloatVector quad(long block, float[] x, int xo, FloatVector acc) {
        FloatVector s = Layouts.bytesToFloats(m, block + 2).mul(FloatVector.fromArray(F, x, xo));
        FloatVector t = Layouts.bytesToFloats(m, block + 10).mul(FloatVector.fromArray(F, x, xo + 8));
        s = Layouts.bytesToFloats(m, block + 18).fma(FloatVector.fromArray(F, x, xo + 16), s);
        t = Layouts.bytesToFloats(m, block + 26).fma(FloatVector.fromArray(F, x, xo + 24), t);
        return s.add(t).fma(FloatVector.broadcast(F, Layouts.f16(m, block)), acc);
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
            FloatVector acc2 = FloatVector.zero(F), acc3 = acc2;
            // four blocks per iteration, four independent accumulators
            for (; j + 4 * BLOCK <= n; j += 4 * BLOCK, block += 4 * BYTES) {
                acc0 = pair(block, x, xo + j, acc0);
                acc1 = pair(block + BYTES, x, xo + j + 32, acc1);
                acc2 = pair(block + 2 * BYTES, x, xo + j + 64, acc2);
                acc3 = pair(block + 3 * BYTES, x, xo + j + 96, acc3);
            }
            acc0 = acc0.add(acc2);
            acc1 = acc1.add(acc3);
        } else if (L == 8) {
            // two blocks per iteration, each summed as two short chains: the 8-lane path is
            // latency-bound when one chain of four FMAs runs through each block
            for (; j + 2 * BLOCK <= n; j += 2 * BLOCK, block += 2 * BYTES) {
                acc0 = quad(block, x, xo + j, acc0);
                acc1 = quad(block + BYTES, x, xo + j + 32, acc1);
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
