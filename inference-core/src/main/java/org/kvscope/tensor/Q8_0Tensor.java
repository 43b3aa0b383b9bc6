package org.kvscope.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
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

    /*
     * The 8- and 16-lane kernels are written out in full, with no helper larger than C2 always
     * inlines (35 bytecodes): C2 refuses to inline a bigger helper that it already compiled on
     * its own into a large method, and whether that happens first depends on timing, so the same
     * build could run its hot loop with vectors boxed across a call in one run and not the next.
     */

    @Override
    public float dot(long offset, float[] x, int xo, int n) {
        int L = F.length();
        if (!blockAligned(offset, n)) {
            return super.dot(offset, x, xo, n);
        }
        long block = (offset / BLOCK) * BYTES;
        if (L == 8) {
            return dot8(block, x, xo, n);
        } else if (L == 16) {
            return dot16(block, x, xo, n);
        } else if (L < BLOCK && BLOCK % L == 0) {
            return dotAnyWidth(block, x, xo, n);
        }
        return super.dot(offset, x, xo, n);
    }

    /**
     * AVX2: two blocks per iteration into two accumulators, each block summed as two short FMA
     * chains (one chain of four FMAs per block leaves the loop latency-bound).
     */
    private float dot8(long block, float[] x, int xo, int n) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        int j = 0;
        for (; j + 2 * BLOCK <= n; j += 2 * BLOCK, block += 2 * BYTES) {
            int xj = xo + j;
            FloatVector s = bytes8(block + 2).mul(FloatVector.fromArray(F, x, xj));
            FloatVector t = bytes8(block + 10).mul(FloatVector.fromArray(F, x, xj + 8));
            s = bytes8(block + 18).fma(FloatVector.fromArray(F, x, xj + 16), s);
            t = bytes8(block + 26).fma(FloatVector.fromArray(F, x, xj + 24), t);
            acc0 = s.add(t).fma(FloatVector.broadcast(F, Layouts.f16(m, block)), acc0);
            long next = block + BYTES;
            FloatVector u = bytes8(next + 2).mul(FloatVector.fromArray(F, x, xj + 32));
            FloatVector v = bytes8(next + 10).mul(FloatVector.fromArray(F, x, xj + 40));
            u = bytes8(next + 18).fma(FloatVector.fromArray(F, x, xj + 48), u);
            v = bytes8(next + 26).fma(FloatVector.fromArray(F, x, xj + 56), v);
            acc1 = u.add(v).fma(FloatVector.broadcast(F, Layouts.f16(m, next)), acc1);
        }
        if (j < n) { // an odd block count
            FloatVector s = bytes8(block + 2).mul(FloatVector.fromArray(F, x, xo + j));
            FloatVector t = bytes8(block + 10).mul(FloatVector.fromArray(F, x, xo + j + 8));
            s = bytes8(block + 18).fma(FloatVector.fromArray(F, x, xo + j + 16), s);
            t = bytes8(block + 26).fma(FloatVector.fromArray(F, x, xo + j + 24), t);
            acc0 = s.add(t).fma(FloatVector.broadcast(F, Layouts.f16(m, block)), acc0);
        }
        return VectorOps.sum(acc0.add(acc1));
    }

    /**
     * Decode's matrix-vector product, with x first permuted ({@link Layouts#byteLanes}) so that
     * each block's 32 bytes are read with one load and taken apart with shifts, without
     * byte-to-int widening shuffles (slow per lane on many CPUs): on 8 lanes the block as eight
     * ints, on 16 as sixteen shorts widened to ints. Other widths use the fused {@link #dot}.
     */
    @Override
    protected MatvecRows matvecRows(float[] x, int xOffset, float[] out, int outOffset, int rows, int cols) {
        MatvecRows nativeRows = nativeRows(x, xOffset, out, outOffset, rows, cols);
        if (nativeRows != null) {
            return nativeRows;
        }
        if (!byteLanesFit(rows, cols, BLOCK)) {
            return super.matvecRows(x, xOffset, out, outOffset, rows, cols);
        }
        return byteLaneRows(Layouts.byteLanes(x, xOffset, cols), null, out, outOffset, cols, BLOCK, BYTES, permutedDot);
    }

    /** {@link #matvecRows}' row kernel for this width, made once (a method reference per call is garbage). */
    private final PermutedRowDot permutedDot = F.length() == 8 ? this::dotPermuted8 : this::dotPermuted16;

    /** One row against x permuted as {@link #matvec} describes; 8-lane species only. */
    private float dotPermuted8(long block, float[] xp, float[] unused, int n) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        for (int j = 0; j < n; j += BLOCK, block += BYTES) {
            IntVector q = IntVector.fromMemorySegment(IntVector.SPECIES_256, m, block + 2, ByteOrder.LITTLE_ENDIAN);
            FloatVector d = FloatVector.broadcast(F, Layouts.f16(m, block));
            FloatVector q0 = (FloatVector) q.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24)
                    .convert(VectorOperators.I2F, 0);
            FloatVector q1 = (FloatVector) q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 24)
                    .convert(VectorOperators.I2F, 0);
            FloatVector s = q0.mul(FloatVector.fromArray(F, xp, j)).add(q1.mul(FloatVector.fromArray(F, xp, j + 8)));
            acc0 = s.fma(d, acc0);
            FloatVector q2 = (FloatVector) q.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 24)
                    .convert(VectorOperators.I2F, 0);
            FloatVector q3 = (FloatVector) q.lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0);
            FloatVector t = q2.mul(FloatVector.fromArray(F, xp, j + 16)).add(q3.mul(FloatVector.fromArray(F, xp, j + 24)));
            acc1 = t.fma(d, acc1);
        }
        return VectorOps.sum(acc0.add(acc1));
    }

    /** One row against x permuted as {@link #matvec} describes; 16-lane species only, two blocks a step. */
    private float dotPermuted16(long block, float[] xp, float[] unused, int n) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        int j = 0;
        for (; j + 2 * BLOCK <= n; j += 2 * BLOCK, block += 2 * BYTES) {
            IntVector q = Layouts.shortsToInts(m, block + 2);
            IntVector p = Layouts.shortsToInts(m, block + BYTES + 2);
            FloatVector s = lowBytes(q).mul(FloatVector.fromArray(F, xp, j));
            FloatVector t = lowBytes(p).mul(FloatVector.fromArray(F, xp, j + 32));
            s = highBytes(q).fma(FloatVector.fromArray(F, xp, j + 16), s);
            t = highBytes(p).fma(FloatVector.fromArray(F, xp, j + 48), t);
            acc0 = s.fma(FloatVector.broadcast(F, Layouts.f16(m, block)), acc0);
            acc1 = t.fma(FloatVector.broadcast(F, Layouts.f16(m, block + BYTES)), acc1);
        }
        if (j < n) { // an odd block count
            IntVector q = Layouts.shortsToInts(m, block + 2);
            FloatVector s = lowBytes(q).mul(FloatVector.fromArray(F, xp, j));
            s = highBytes(q).fma(FloatVector.fromArray(F, xp, j + 16), s);
            acc0 = s.fma(FloatVector.broadcast(F, Layouts.f16(m, block)), acc0);
        }
        return VectorOps.sum(acc0.add(acc1));
    }

    /** The low byte of each int lane, as a signed value. */
    private static FloatVector lowBytes(IntVector v) {
        return (FloatVector) v.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24)
                .convert(VectorOperators.I2F, 0);
    }

    /** The second byte of each int lane holding a sign-extended short, as a signed value. */
    private static FloatVector highBytes(IntVector v) {
        return (FloatVector) v.lanewise(VectorOperators.ASHR, 8).convert(VectorOperators.I2F, 0);
    }

    /** Eight signed bytes as an 8-lane float vector. */
    private FloatVector bytes8(long byteOffset) {
        return (FloatVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_64, m, byteOffset, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.B2F, F, 0);
    }

    /**
     * AVX-512: two blocks per iteration, one 32-byte load per block widened in two halves. Four
     * blocks per iteration ran 2.5× slower: C2 kept the four byte vectors alive across the
     * widenings and spilled.
     */
    private float dot16(long block, float[] x, int xo, int n) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        int j = 0;
        for (; j + 2 * BLOCK <= n; j += 2 * BLOCK, block += 2 * BYTES) {
            int xj = xo + j;
            ByteVector q0 = ByteVector.fromMemorySegment(ByteVector.SPECIES_256, m, block + 2, ByteOrder.LITTLE_ENDIAN);
            ByteVector q1 = ByteVector.fromMemorySegment(ByteVector.SPECIES_256, m, block + BYTES + 2, ByteOrder.LITTLE_ENDIAN);
            FloatVector s0 = ((FloatVector) q0.convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromArray(F, x, xj));
            FloatVector s1 = ((FloatVector) q1.convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromArray(F, x, xj + 32));
            s0 = ((FloatVector) q0.convertShape(VectorOperators.B2F, F, 1)).fma(FloatVector.fromArray(F, x, xj + 16), s0);
            s1 = ((FloatVector) q1.convertShape(VectorOperators.B2F, F, 1)).fma(FloatVector.fromArray(F, x, xj + 48), s1);
            acc0 = s0.fma(FloatVector.broadcast(F, Layouts.f16(m, block)), acc0);
            acc1 = s1.fma(FloatVector.broadcast(F, Layouts.f16(m, block + BYTES)), acc1);
        }
        if (j < n) { // an odd block count
            ByteVector q = ByteVector.fromMemorySegment(ByteVector.SPECIES_256, m, block + 2, ByteOrder.LITTLE_ENDIAN);
            FloatVector s = ((FloatVector) q.convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromArray(F, x, xo + j));
            s = ((FloatVector) q.convertShape(VectorOperators.B2F, F, 1)).fma(FloatVector.fromArray(F, x, xo + j + 16), s);
            acc0 = s.fma(FloatVector.broadcast(F, Layouts.f16(m, block)), acc0);
        }
        return VectorOps.sum(acc0.add(acc1));
    }

    /** Any other width that divides a block (4 lanes: 128-bit vectors). */
    private float dotAnyWidth(long block, float[] x, int xo, int n) {
        int L = F.length();
        FloatVector acc = FloatVector.zero(F);
        for (int j = 0; j < n; j += BLOCK, block += BYTES) {
            FloatVector sum = FloatVector.zero(F);
            for (int k = 0; k < BLOCK; k += L) {
                sum = Layouts.bytesToFloats(m, block + 2 + k).fma(FloatVector.fromArray(F, x, xo + j + k), sum);
            }
            acc = sum.fma(FloatVector.broadcast(F, Layouts.f16(m, block)), acc);
        }
        return VectorOps.sum(acc);
    }
}
