package org.kvscope.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
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
     * Decode's matrix-vector product on 8 or 16 lanes. On 8, x is permuted per run of 32
     * ({@link Layouts#byteLanes}); each half super-block's 64 ql bytes and 32 qh bytes are read
     * with three loads and each run's 6-bit quants assembled with shifts and masks, each run
     * scaled by a vector of its two scales. On 16, x is permuted per 128 values
     * ({@link Layouts#wordLanes}) and a half super-block's ql bytes are one load ({@link #dotWordLanes}).
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
        if (F.length() != 16) {
            float[] permuted = Layouts.byteLanes(x, xOffset, cols);
            return byteLaneRows(permuted, null, out, outOffset, cols, BLOCK, BYTES, permutedDot);
        }
        float[] groupSums = Layouts.runSums(x, xOffset, cols, 16);
        float[] permuted = Layouts.wordLanes(x, xOffset, cols, WORD_ORDER);
        return permutedRows(permuted, groupSums, out, outOffset, cols, wordLaneRows);
    }

    /** {@link #matvecRows}' kernels, made once (a lambda per call is garbage). */
    private final PermutedRows wordLaneRows = this::rowsWordLanes;
    private final PermutedRowDot permutedDot = this::dotPermuted;

    /** Lanes L/2..L−1: where the second scale of a permuted run of 32 applies. */
    private static final VectorMask<Float> UPPER_LANES = VectorMask.fromLong(F, -1L << (F.length() / 2));

    private static final VectorSpecies<Integer> I = Layouts.I;
    /** Lanes L/2..L−1 as int lanes: the second 32 ql bytes of a {@link #dotWordLanes} load. */
    private static final VectorMask<Integer> UPPER_INTS = VectorMask.fromLong(I, -1L << (F.length() / 2));
    /** Lane i's scale within a half's group of four (lanes 0..3 the first 16 values of a run, 4..7 the next, 8..15 the next run's). */
    private static final FloatVector QUAD = F.length() == 16
            ? FloatVector.fromArray(F, new float[] {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3}, 0) : null;
    /** Lanes 0..7 of the qh load repeated (half 0); add 8 for half 1. */
    private static final IntVector REPEAT = F.length() == 16
            ? IntVector.fromArray(I, new int[] {0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7}, 0) : null;
    /** Left shifts that bring each lane's qh pairs next above its ql nibbles; right shifts that bring the top ones to bits 4..5. */
    private static final IntVector PAIR_UP = F.length() == 16 ? IntVector.broadcast(I, 4).blend(2, UPPER_INTS) : null;
    private static final IntVector TOP_DOWN = F.length() == 16 ? IntVector.broadcast(I, 24).blend(26, UPPER_INTS) : null;

    /**
     * Where {@link #dotWordLanes}' lanes take their x ({@link Layouts#wordLanes}): a half
     * super-block's 64 ql bytes are one load of 16 int lanes, ql bytes 4i..4i+3 in lane i (runs 0
     * and 2 of the half, low and high nibbles) and bytes 32 + 4i.. in lane 8 + i (runs 1 and 3);
     * nibble p = 2k + high is value 4i + k of run 2·high (lanes 0..7) or 2·high + 1 (lanes 8..15).
     */
    private static final int[] WORD_ORDER = new int[128];

    static {
        for (int p = 0, i = 0; p < 8; p++) {
            for (int lane = 0; lane < 16; lane++, i++) {
                WORD_ORDER[i] = 32 * (2 * (p & 1) + (lane >> 3)) + 4 * (lane & 7) + (p >> 1);
            }
        }
    }

    /**
     * Rows [from, to) on 16 lanes against x laid out by {@link Layouts#wordLanes}, in one loop (a call per
     * row reloaded every constant and cost Q6_K a third of its speed). A half super-block's ql bytes
     * are one load with no widening and its qh bytes one permute of a load shared by both halves;
     * one variable shift puts every lane's qh pairs next above its ql nibbles, two bit blends merge
     * them with the even and the odd nibbles, and each 6-bit quant is then one mask where it sits
     * before it is converted (the top one shifted down). The quants
     * are unsigned: 32·d·scale·Σx over each group of 16 comes off once per super-block, from the
     * group sums of x computed once for all rows. The four low and four high nibbles of a load
     * share one pattern of scales, picked from the super-block's sixteen by one permute each.
     */
    private void rowsWordLanes(int from, int to, float[] xp, float[] groupSums, int n, float[] out, int outOffset) {
        long rowBytes = (long) n / BLOCK * BYTES;
        float[] lanes = lanesBuffer(); // the final sum in sumLanes' order, as every other path adds a row
        for (int r = from; r < to; r++) {
            long block = r * rowBytes;
            FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, offset = acc0;
            for (int j = 0, g = 0; j < n; j += BLOCK, block += BYTES, g += 16) {
                FloatVector scales = ((FloatVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_128, m, block + 192,
                        ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(Layouts.f16(m, block + 208));
                offset = scales.fma(FloatVector.fromArray(F, groupSums, g), offset);
                IntVector qhBoth = IntVector.fromMemorySegment(I, m, block + 128, ByteOrder.LITTLE_ENDIAN);
                for (int half = 0; half < 2; half++) {
                    int x0 = j + 128 * half;
                    IntVector ql = IntVector.fromMemorySegment(I, m, block + 64L * half, ByteOrder.LITTLE_ENDIAN);
                    IntVector qh = REPEAT.add(8 * half).selectFrom(qhBoth);
                    IntVector up = qh.lanewise(VectorOperators.LSHL, PAIR_UP);
                    // every even nibble with its qh pair above it, then every odd one: q·2^4p is one mask away
                    IntVector even = up.lanewise(VectorOperators.BITWISE_BLEND, ql, 0x0F0F0F0F);
                    IntVector odd = up.lanewise(VectorOperators.BITWISE_BLEND, ql, 0xF0F0F0F0);
                    FloatVector low = ((FloatVector) even.and(0x3F).convert(VectorOperators.I2F, 0))
                            .mul(FloatVector.fromArray(F, xp, x0));
                    low = ((FloatVector) even.and(0x3F00).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.fromArray(F, xp, x0 + 32), low);
                    low = ((FloatVector) even.and(0x3F0000).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.fromArray(F, xp, x0 + 64), low);
                    low = ((FloatVector) even.and(0x3F000000).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.fromArray(F, xp, x0 + 96), low);
                    FloatVector high = ((FloatVector) odd.and(0x3F0).convert(VectorOperators.I2F, 0))
                            .mul(FloatVector.fromArray(F, xp, x0 + 16));
                    high = ((FloatVector) odd.and(0x3F000).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.fromArray(F, xp, x0 + 48), high);
                    high = ((FloatVector) odd.and(0x3F00000).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.fromArray(F, xp, x0 + 80), high);
                    IntVector top = ql.lanewise(VectorOperators.LSHR, 28)
                            .or(qh.lanewise(VectorOperators.LSHR, TOP_DOWN).and(0x30));
                    high = ((FloatVector) top.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, xp, x0 + 112), high);
                    FloatVector index = QUAD.add(8f * half);
                    acc0 = low.fma(index.selectFrom(scales), acc0);
                    acc1 = high.fma(index.add(4f).selectFrom(scales), acc1);
                }
            }
            acc0.add(acc1).sub(offset.mul(32f)).intoArray(lanes, 0);
            out[outOffset + r] = VectorOps.sumLanes(lanes);
        }
    }

    /** One row against x permuted as {@link #matvec} describes; 8 lanes (scales read one by one). */
    private float dotPermuted(long block, float[] xp, float[] unused, int n) {
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
