package org.kvscope.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import org.kvscope.gguf.GGMLType;

/**
 * Q6_K: super-blocks of 256 values in 210 bytes: 128 bytes of low 4 bits (ql), 64 bytes of high 2
 * bits (qh), sixteen signed 8-bit scales (one per 16 values) and an f16 d; x = d·scale·(q − 32).
 * Each half of 128 values uses 64 ql bytes and 32 qh bytes: value l + 32·k (k = 0..3) takes ql
 * byte l (k even) or l + 32 (k odd), low nibble for k &lt; 2 and high for k ≥ 2, and bits 2k..2k+1
 * of qh byte l.
 */
public final class Q6_KTensor extends SegmentTensor {
    static final int BLOCK = 256, BYTES = 210;

    Q6_KTensor(MemorySegment m, long size) {
        super(m, size);
    }

    @Override public GGMLType type() { return GGMLType.Q6_K; }

    private int quant(long block, int e) {
        int half = e / 128, w = e % 128, k = w / 32, l = w % 32;
        int ql = Layouts.u8(m, block + half * 64L + l + ((k & 1) == 1 ? 32 : 0));
        int low = k < 2 ? ql & 0xF : ql >>> 4;
        int high = (Layouts.u8(m, block + 128 + half * 32L + l) >>> (2 * k)) & 3;
        return (low | (high << 4)) - 32;
    }

    @Override
    public float getFloat(long i) {
        long block = (i / BLOCK) * BYTES;
        int e = (int) (i % BLOCK);
        float d = Layouts.f16(m, block + 208);
        return d * m.get(Layouts.BYTE, block + 192 + e / 16) * quant(block, e);
    }

    /**
     * Prefill's tiles: F.length() values of each of a half's four runs at a time, from ql, ql + 32
     * and qh bytes zero-extended to int lanes; (d·scale)·q as {@link #getFloat} computes it, the
     * same floats bit for bit. F.length() divides 16, so a vector never straddles two scales.
     */
    @Override
    protected void dequantizeBlocks(long offset, float[] dst, int dstOffset, int n) {
        int L = F.length();
        for (int j = 0; j < n; j += BLOCK) {
            long block = ((offset + j) / BLOCK) * BYTES;
            float d = Layouts.f16(m, block + 208);
            for (int half = 0; half < 2; half++) {
                long ql = block + half * 64L, qh = block + 128 + half * 32L;
                int base = dstOffset + j + half * 128;
                for (int l = 0; l < 32; l += L) {
                    IntVector a = Layouts.unsignedBytes(m, ql + l), b = Layouts.unsignedBytes(m, ql + l + 32);
                    IntVector h = Layouts.unsignedBytes(m, qh + l);
                    long sc = block + 192 + half * 8L + l / 16;
                    IntVector q1 = a.and(0xF).or(h.lanewise(VectorOperators.LSHL, 4).and(0x30));
                    IntVector q2 = b.and(0xF).or(h.lanewise(VectorOperators.LSHL, 2).and(0x30));
                    IntVector q3 = a.lanewise(VectorOperators.LSHR, 4).or(h.and(0x30));
                    IntVector q4 = b.lanewise(VectorOperators.LSHR, 4).or(h.lanewise(VectorOperators.LSHR, 2).and(0x30));
                    // written out, not through a helper: C2 stops inlining late in this method, and a
                    // vector passed to a call that is not inlined is boxed
                    ((FloatVector) q1.sub(32).convert(VectorOperators.I2F, 0)).mul(d * m.get(Layouts.BYTE, sc))
                            .intoArray(dst, base + l);
                    ((FloatVector) q2.sub(32).convert(VectorOperators.I2F, 0)).mul(d * m.get(Layouts.BYTE, sc + 2))
                            .intoArray(dst, base + l + 32);
                    ((FloatVector) q3.sub(32).convert(VectorOperators.I2F, 0)).mul(d * m.get(Layouts.BYTE, sc + 4))
                            .intoArray(dst, base + l + 64);
                    ((FloatVector) q4.sub(32).convert(VectorOperators.I2F, 0)).mul(d * m.get(Layouts.BYTE, sc + 6))
                            .intoArray(dst, base + l + 96);
                }
            }
        }
    }

    /**
     * Decode's matrix-vector product on 8 or 16 lanes. x is permuted per run of 32
     * ({@link Layouts#byteLanes}); each half super-block's 64 ql bytes and 32 qh bytes are read
     * with three loads and each run's 6-bit quants assembled with shifts and masks. A scale
     * covers 16 values, which in the permuted order are the lower and the upper half of the
     * lanes, so each run is scaled by a vector of two scales.
     */
    @Override
    protected MatvecRows matvecRows(float[] x, int xOffset, float[] out, int outOffset, int rows, int cols) {
        if (!byteLanesFit(rows, cols, BLOCK)) {
            return super.matvecRows(x, xOffset, out, outOffset, rows, cols);
        }
        float[] permuted = Layouts.byteLanes(x, xOffset, cols);
        if (F.length() != 16) {
            return byteLaneRows(permuted, out, outOffset, cols, BLOCK, BYTES,
                    (row, xp, n, scratch) -> dotPermuted(row, xp, n));
        }
        float[] groupSums = Layouts.runSums(x, xOffset, cols, 16);
        return byteLaneRows(permuted, out, outOffset, cols, BLOCK, BYTES,
                (row, xp, n, scratch) -> dotPermuted16(row, xp, groupSums, n, scratch));
    }

    /** Lanes L/2..L−1: where the second scale of a permuted run of 32 applies. */
    private static final VectorMask<Float> UPPER_LANES = VectorMask.fromLong(F, -1L << (F.length() / 2));

    /** Lane i holds 0 for the lower half of the lanes and 1 for the upper: the pattern of a run's two scales. */
    private static final FloatVector PAIR = FloatVector.fromArray(F, pairPattern(), 0);

    private static float[] pairPattern() {
        float[] p = new float[F.length()];
        for (int i = 0; i < p.length; i++) {
            p[i] = i < p.length / 2 ? 0 : 1;
        }
        return p;
    }

    /**
     * One row on 16 lanes. A super-block's sixteen scales are one vector (times d), and each
     * run picks its two with one permute. Each 6-bit quant q is put together in the top six bits
     * of its lane (low nibble from ql, high pair from qh, merged by one select) and shifted down,
     * unsigned, so the −32 is not applied per value: 32·d·scale·Σx over each group of 16 comes
     * off once per super-block, from the group sums of x computed once for all rows.
     * Against the 8-lane form with scalar scales: 4.2–5.0 → about 9–10 Gvalues/s on one core
     * (a 2048-column matrix in L2, {@code Q6_KMatvec} in benchmarks/jmh).
     */
    private float dotPermuted16(long block, float[] xp, float[] groupSums, int n, float[] lanes) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, offset = acc0;
        for (int j = 0, g = 0; j < n; j += BLOCK, block += BYTES, g += 16) {
            FloatVector scales = ((FloatVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_128, m, block + 192,
                    ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(Layouts.f16(m, block + 208));
            offset = scales.fma(FloatVector.fromArray(F, groupSums, g), offset);
            for (int half = 0; half < 2; half++) {
                IntVector a = Layouts.shortsToInts(m, block + 64L * half);
                IntVector b = Layouts.shortsToInts(m, block + 64L * half + 32);
                IntVector h = Layouts.shortsToInts(m, block + 128 + 32L * half);
                // runs 2p (from a) and 2p + 1 (from b): no vector chosen by a branch, which C2 may box
                for (int p = 0; p < 2; p++) {
                    int x0 = j + 128 * half + 64 * p, nibble = 4 * p;
                    FloatVector t = FloatVector.zero(F), u = t;
                    for (int k = 0; k < 2; k++) {
                        // the high pair in bits 30..31, the low nibble blended into bits 26..29 (one
                        // vpternlogd), the bits below shifted out
                        IntVector highA = h.lanewise(VectorOperators.LSHL, 30 - 8 * k - 4 * p);
                        IntVector highB = h.lanewise(VectorOperators.LSHL, 28 - 8 * k - 4 * p);
                        FloatVector qa = (FloatVector) highA.lanewise(VectorOperators.BITWISE_BLEND,
                                        a.lanewise(VectorOperators.LSHL, 26 - 8 * k - nibble), 0x3C000000)
                                .lanewise(VectorOperators.LSHR, 26).convert(VectorOperators.I2F, 0);
                        FloatVector qb = (FloatVector) highB.lanewise(VectorOperators.BITWISE_BLEND,
                                        b.lanewise(VectorOperators.LSHL, 26 - 8 * k - nibble), 0x3C000000)
                                .lanewise(VectorOperators.LSHR, 26).convert(VectorOperators.I2F, 0);
                        t = qa.fma(FloatVector.fromArray(F, xp, x0 + 16 * k), t);
                        u = qb.fma(FloatVector.fromArray(F, xp, x0 + 32 + 16 * k), u);
                    }
                    FloatVector index = PAIR.add(8f * half + 4f * p);
                    acc0 = t.fma(index.selectFrom(scales), acc0);
                    acc1 = u.fma(index.add(2f).selectFrom(scales), acc1);
                }
            }
        }
        acc0.add(acc1).sub(offset.mul(32f)).intoArray(lanes, 0);
        return VectorOps.sumLanes(lanes);
    }

    /** One row against x permuted as {@link #matvec} describes; 8 lanes (scales read one by one). */
    private float dotPermuted(long block, float[] xp, int n) {
        int L = F.length(), bytesPerLane = 32 / L;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        for (int j = 0; j < n; j += BLOCK, block += BYTES) {
            float d = Layouts.f16(m, block + 208);
            for (int half = 0; half < 2; half++) {
                IntVector a = Layouts.byteLaneInts(m, block + 64L * half);
                IntVector b = Layouts.byteLaneInts(m, block + 64L * half + 32);
                IntVector h = Layouts.byteLaneInts(m, block + 128 + 32L * half);
                long scales = block + 192 + 8L * half;
                for (int run = 0; run < 4; run++) {
                    IntVector ql = (run & 1) == 0 ? a : b;
                    int x0 = j + 128 * half + 32 * run;
                    FloatVector t = FloatVector.zero(F);
                    for (int k = 0; k < bytesPerLane; k++) {
                        IntVector low = ql.lanewise(VectorOperators.LSHR, 8 * k + (run < 2 ? 0 : 4)).and(0xF);
                        int hs = 8 * k + 2 * run - 4; // brings qh bits 2·run..2·run+1 of byte k to bits 4..5
                        IntVector high = (hs >= 0 ? h.lanewise(VectorOperators.LSHR, hs) : h.lanewise(VectorOperators.LSHL, -hs))
                                .and(0x30);
                        FloatVector q = (FloatVector) low.or(high).sub(32).convert(VectorOperators.I2F, 0);
                        t = q.fma(FloatVector.fromArray(F, xp, x0 + L * k), t);
                    }
                    float s0 = d * m.get(Layouts.BYTE, scales + 2 * run);
                    float s1 = d * m.get(Layouts.BYTE, scales + 2 * run + 1);
                    FloatVector scale = FloatVector.broadcast(F, s0).blend(s1, UPPER_LANES);
                    if ((run & 1) == 0) {
                        acc0 = t.fma(scale, acc0);
                    } else {
                        acc1 = t.fma(scale, acc1);
                    }
                }
            }
        }
        return VectorOps.sum(acc0.add(acc1));
    }
}
