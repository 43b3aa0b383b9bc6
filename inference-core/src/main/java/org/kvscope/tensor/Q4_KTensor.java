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
 * Q4_K: super-blocks of 256 values in 144 bytes: f16 d, f16 dmin, 12 bytes packing eight 6-bit
 * scales and eight 6-bit mins, and 128 bytes of 4-bit quants. Eight sub-blocks of 32 values;
 * x = d·scale·q − dmin·min. Within each 64-value chunk the first 32 values are the low nibbles
 * of 32 bytes and the next 32 their high nibbles.
 */
public final class Q4_KTensor extends SegmentTensor {
    static final int BLOCK = 256, BYTES = 144;

    Q4_KTensor(MemorySegment m, long size) {
        super(m, size);
    }

    @Override public GGMLType type() { return GGMLType.Q4_K; }

    /** 6-bit scale (which = 0) or min (which = 1) of sub-block j from the 12 packed bytes at s. */
    static int scaleOrMin(MemorySegment m, long s, int j, int which) {
        if (j < 4) {
            return Layouts.u8(m, s + j + 4L * which) & 63;
        }
        int low = Layouts.u8(m, s + j + 4);
        int high = Layouts.u8(m, s + j - 4 + 4L * which) >>> 6;
        return (which == 0 ? low & 0xF : low >>> 4) | (high << 4);
    }

    @Override
    public float getFloat(long i) {
        long block = (i / BLOCK) * BYTES;
        int e = (int) (i % BLOCK);
        int chunk = e / 64, within = e % 64;
        int sub = 2 * chunk + (within >= 32 ? 1 : 0);
        int b = Layouts.u8(m, block + 16 + chunk * 32L + (within % 32));
        int q = within < 32 ? b & 0xF : b >>> 4;
        float d = Layouts.f16(m, block), dmin = Layouts.f16(m, block + 2);
        return d * scaleOrMin(m, block + 4, sub, 0) * q - dmin * scaleOrMin(m, block + 4, sub, 1);
    }

    /**
     * Prefill's tiles: each 32-byte chunk of quants F.length() bytes at a time, zero-extended to
     * int lanes, the low nibbles one sub-block and the high nibbles the next, as d·scale·q − dmin·min
     * (a product then a difference, as {@link #getFloat}: the same floats bit for bit).
     */
    @Override
    protected void dequantizeBlocks(long offset, float[] dst, int dstOffset, int n) {
        int L = F.length();
        for (int j = 0; j < n; j += BLOCK) {
            long block = ((offset + j) / BLOCK) * BYTES;
            float d = Layouts.f16(m, block), dmin = Layouts.f16(m, block + 2);
            for (int chunk = 0; chunk < 4; chunk++) {
                FloatVector d1 = FloatVector.broadcast(F, d * scaleOrMin(m, block + 4, 2 * chunk, 0));
                FloatVector m1 = FloatVector.broadcast(F, dmin * scaleOrMin(m, block + 4, 2 * chunk, 1));
                FloatVector d2 = FloatVector.broadcast(F, d * scaleOrMin(m, block + 4, 2 * chunk + 1, 0));
                FloatVector m2 = FloatVector.broadcast(F, dmin * scaleOrMin(m, block + 4, 2 * chunk + 1, 1));
                int base = dstOffset + j + chunk * 64;
                long qs = block + 16 + chunk * 32L;
                for (int l = 0; l < 32; l += L) {
                    IntVector q = Layouts.unsignedBytes(m, qs + l);
                    ((FloatVector) q.and(0xF).convert(VectorOperators.I2F, 0)).mul(d1).sub(m1).intoArray(dst, base + l);
                    ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).mul(d2).sub(m2)
                            .intoArray(dst, base + 32 + l);
                }
            }
        }
    }

    /**
     * Decode's matrix-vector product on 8 or 16 lanes. On 8, x is permuted per run of 32
     * ({@link Layouts#byteLanes}), so each 32-byte chunk of quants is one load of int lanes; on 16,
     * per 128 values ({@link Layouts#wordLanes}), so each 64 bytes are one. The nibbles are taken apart
     * with masks where they sit: the low nibbles of a chunk are one sub-block, the high nibbles the
     * next. The mins term, dmin·min·Σx over each sub-block, uses the sums of x's runs of 32,
     * computed once for all rows.
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
        float[] runSums = Layouts.runSums(x, xOffset, cols, 32);
        if (F.length() == 16) {
            int runs = cols / 32;
            float[] minSums = PreparedInputs.take(2 * runs); // per super-block: 8 zeros (scales), its 8 run sums (mins)
            java.util.Arrays.fill(minSums, 0, 2 * runs, 0f);
            for (int b = 0; b < runs / 8; b++) {
                System.arraycopy(runSums, 8 * b, minSums, 16 * b + 8, 8);
            }
            float[] permuted = Layouts.wordLanes(x, xOffset, cols, WORD_ORDER);
            return permutedRows(permuted, minSums, out, outOffset, cols, wordLaneRows);
        }
        float[] permuted = Layouts.byteLanes(x, xOffset, cols);
        return byteLaneRows(permuted, runSums, out, outOffset, cols, BLOCK, BYTES, permutedDot);
    }

    /** {@link #matvecRows}' kernels, made once (a lambda per call is garbage). */
    private final PermutedRows wordLaneRows = this::rowsWordLanes;
    private final PermutedRowDot permutedDot = this::dotPermuted;

    /** Lanes 8..15 of a 16-lane vector: where {@link #scalesAndMins} keeps the mins. */
    private static final VectorMask<Float> MINS = VectorMask.fromLong(F, 0xFF00L);
    /** For each lane of {@link #scalesAndMins}: the packed byte it starts from, its shift and mask; the byte of its top two bits. */
    private static final IntVector LOW_BYTE = lanes(0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 8, 9, 10, 11);
    private static final IntVector LOW_SHIFT = lanes(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 4, 4);
    private static final IntVector LOW_MASK = lanes(63, 63, 63, 63, 15, 15, 15, 15, 63, 63, 63, 63, 15, 15, 15, 15);
    private static final IntVector TOP_BYTE = lanes(0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0, 0, 4, 5, 6, 7);
    private static final IntVector TOP_MASK = lanes(0, 0, 0, 0, 0x30, 0x30, 0x30, 0x30, 0, 0, 0, 0, 0x30, 0x30, 0x30, 0x30);

    private static IntVector lanes(int... v) {
        return F.length() == 16 ? IntVector.fromArray(Layouts.I, v, 0) : null;
    }

    /** The eight 6-bit scales (lanes 0..7) and mins (lanes 8..15) of the super-block at block, on 16 lanes. */
    private IntVector scalesAndMins(long block) {
        IntVector packed = (IntVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_128, m, block + 4, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.B2I, Layouts.I, 0);
        IntVector low = LOW_BYTE.selectFrom(packed).lanewise(VectorOperators.LSHR, LOW_SHIFT).and(LOW_MASK);
        return low.or(TOP_BYTE.selectFrom(packed).lanewise(VectorOperators.LSHR, 2).and(TOP_MASK));
    }

    /** Indices into {@link #scalesAndMins}' lanes: sub-block 0 in lanes 0..7 and 2 in lanes 8..15 (add 1 for 1 and 3, 4 for the next half). */
    private static final FloatVector PAIR = F.length() == 16 ? FloatVector.broadcast(F, 0f).blend(2f, MINS) : null;

    /**
     * Where {@link #dotWordLanes}' lanes take their x ({@link Layouts#wordLanes}): 64 quant bytes
     * (two 32-byte chunks, 128 values) are one load of 16 int lanes, the first chunk's bytes
     * 4i..4i+3 in lane i, the second chunk's in lane 8 + i; nibble p = 2k + high of a lane is
     * value 32·high + 4i + k of its chunk.
     */
    private static final int[] WORD_ORDER = new int[128];

    /**
     * The masks of nibbles 0, 2, 4, 6, 1, 3 and 5 of a {@link #rowsWordLanes} lane. Read from an array, not
     * written as constants: C2 rematerialises a constant vector, a broadcast load from its constant
     * table, at every use inside the loop (seen in its code with {@code -XX:CompileCommand=print});
     * a value loaded from an array is broadcast once before the rows and stays in a register.
     */
    private static final int[] NIBBLE_MASKS = {0xF, 0xF00, 0xF0000, 0xF000000, 0xF0, 0xF000, 0xF00000};

    static {
        for (int p = 0, i = 0; p < 8; p++) {
            for (int lane = 0; lane < 16; lane++, i++) {
                WORD_ORDER[i] = 64 * (lane >> 3) + 32 * (p & 1) + 4 * (lane & 7) + (p >> 1);
            }
        }
    }

    /**
     * Rows [from, to) on 16 lanes against x laid out by {@link Layouts#wordLanes}, in one loop (a call per
     * row reloaded every constant and cost Q6_K a third of its speed). A super-block's scales and
     * mins are one vector times d and dmin; the mins term is one FMA against the run sums of x,
     * and each half super-block's two scale vectors (the lower lanes one chunk's sub-block, the
     * upper lanes the next chunk's) are picked from it by one permute each. Its 64 quant bytes are
     * one load with no widening; each of the eight nibbles is masked where it sits (the top one
     * shifted down) and converted. Against the two-byte lanes this replaced (one widening load per
     * 32 bytes, scales stored and broadcast one by one): fewer vector operations per value. The seven
     * masks are broadcast once, before the rows ({@link #NIBBLE_MASKS}).
     */
    private void rowsWordLanes(int from, int to, float[] xp, float[] minSums, int n, float[] out, int outOffset) {
        long rowBytes = (long) n / BLOCK * BYTES;
        float[] lanes = lanesBuffer(); // the final sum in sumLanes' order, as every other path adds a row
        int[] masks = NIBBLE_MASKS;
        IntVector n0 = IntVector.broadcast(Layouts.I, masks[0]), n2 = IntVector.broadcast(Layouts.I, masks[1]),
                n4 = IntVector.broadcast(Layouts.I, masks[2]), n6 = IntVector.broadcast(Layouts.I, masks[3]),
                n1 = IntVector.broadcast(Layouts.I, masks[4]), n3 = IntVector.broadcast(Layouts.I, masks[5]),
                n5 = IntVector.broadcast(Layouts.I, masks[6]);
        for (int r = from; r < to; r++) {
            long block = r * rowBytes;
            FloatVector accLow = FloatVector.zero(F), accHigh = accLow, accMin = accLow;
            for (int j = 0, sb = 0; j < n; j += BLOCK, block += BYTES, sb += 16) {
                FloatVector dm = FloatVector.broadcast(F, Layouts.f16(m, block)).blend(Layouts.f16(m, block + 2), MINS);
                FloatVector s = ((FloatVector) scalesAndMins(block).convert(VectorOperators.I2F, 0)).mul(dm);
                accMin = s.fma(FloatVector.fromArray(F, minSums, sb), accMin);
                for (int h = 0; h < 2; h++) {
                    int x0 = j + 128 * h;
                    IntVector q = IntVector.fromMemorySegment(Layouts.I, m, block + 16 + 64L * h, ByteOrder.LITTLE_ENDIAN);
                    // low nibbles (p even): n·2^4p times x·2^−4p
                    FloatVector low = ((FloatVector) q.and(n0).convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F, xp, x0));
                    low = ((FloatVector) q.and(n2).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, xp, x0 + 32), low);
                    low = ((FloatVector) q.and(n4).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, xp, x0 + 64), low);
                    low = ((FloatVector) q.and(n6).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, xp, x0 + 96), low);
                    // high nibbles (p odd), the top one shifted down
                    FloatVector high = ((FloatVector) q.and(n1).convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F, xp, x0 + 16));
                    high = ((FloatVector) q.and(n3).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, xp, x0 + 48), high);
                    high = ((FloatVector) q.and(n5).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, xp, x0 + 80), high);
                    high = ((FloatVector) q.lanewise(VectorOperators.LSHR, 28).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.fromArray(F, xp, x0 + 112), high);
                    FloatVector index = PAIR.add(4f * h);
                    accLow = low.fma(index.selectFrom(s), accLow);
                    accHigh = high.fma(index.add(1f).selectFrom(s), accHigh);
                }
            }
            accLow.add(accHigh).sub(accMin).intoArray(lanes, 0);
            out[outOffset + r] = VectorOps.sumLanes(lanes);
        }
    }

    /** One row against x permuted as {@link #matvec} describes; 8 lanes (scales and mins unpacked as scalars). */
    private float dotPermuted(long block, float[] xp, float[] runSums, int n) {
        int L = F.length(), bytesPerLane = 32 / L;
        FloatVector accLow = FloatVector.zero(F), accHigh = accLow;
        float minTerm = 0f;
        for (int j = 0; j < n; j += BLOCK, block += BYTES) {
            float d = Layouts.f16(m, block), dmin = Layouts.f16(m, block + 2);
            int s0 = m.get(Layouts.INT, block + 4), s1 = m.get(Layouts.INT, block + 8), s2 = m.get(Layouts.INT, block + 12);
            // the eight 6-bit scales and mins, one per byte: sub-blocks 0..3 and 4..7
            int scales03 = s0 & 0x3f3f3f3f, mins03 = s1 & 0x3f3f3f3f;
            int scales47 = (s2 & 0x0f0f0f0f) | ((s0 >>> 2) & 0x30303030);
            int mins47 = ((s2 >>> 4) & 0x0f0f0f0f) | ((s1 >>> 2) & 0x30303030);
            for (int chunk = 0; chunk < 4; chunk++) {
                int x0 = j + 64 * chunk; // sub-block 2·chunk; 2·chunk + 1 follows at x0 + 32
                IntVector q = Layouts.byteLaneInts(m, block + 16 + 32L * chunk);
                FloatVector low = FloatVector.zero(F), high = low;
                for (int k = 0; k < bytesPerLane; k++) {
                    low = nibble(q, 8 * k).fma(FloatVector.fromArray(F, xp, x0 + L * k), low);
                    high = nibble(q, 8 * k + 4).fma(FloatVector.fromArray(F, xp, x0 + 32 + L * k), high);
                }
                int shift = 16 * (chunk & 1);
                int scales = (chunk < 2 ? scales03 : scales47) >>> shift, mins = (chunk < 2 ? mins03 : mins47) >>> shift;
                accLow = low.fma(FloatVector.broadcast(F, d * (scales & 0xff)), accLow);
                accHigh = high.fma(FloatVector.broadcast(F, d * ((scales >>> 8) & 0xff)), accHigh);
                minTerm += dmin * ((mins & 0xff) * runSums[x0 / 32] + ((mins >>> 8) & 0xff) * runSums[x0 / 32 + 1]);
            }
        }
        return VectorOps.sum(accLow.add(accHigh)) - minTerm;
    }

    /** The four bits at {@code shift} of every lane, as floats 0..15. */
    private static FloatVector nibble(IntVector q, int shift) {
        return (FloatVector) q.lanewise(VectorOperators.LSHR, shift).and(0xF).convert(VectorOperators.I2F, 0);
    }
}
