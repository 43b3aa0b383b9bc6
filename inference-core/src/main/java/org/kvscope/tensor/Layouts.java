package org.kvscope.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/** Little-endian layouts and vector species shared by the tensor types. */
final class Layouts {
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    static final VectorSpecies<Float> F = VectorOps.F;
    /**
     * Bytes with as many lanes as {@link #F}, or 8 where F has only 4 (128-bit vectors: no 32-bit
     * byte vector exists); then {@link #bytes} loads only the first F.length() lanes.
     */
    static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, F.length() * 8)));
    private static final boolean B_WIDER = B.length() > F.length();
    /** Shorts / ints with as many lanes as {@link #F}. */
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.length() * 16));
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());

    private Layouts() {}

    static float f16(MemorySegment m, long byteOffset) {
        return Float.float16ToFloat(m.get(SHORT, byteOffset));
    }

    static int u8(MemorySegment m, long byteOffset) {
        return m.get(BYTE, byteOffset) & 0xFF;
    }

    /** F.length() bytes at byteOffset in the low lanes of a {@link #B} vector (never reading past them). */
    static ByteVector bytes(MemorySegment m, long byteOffset) {
        return B_WIDER
                ? ByteVector.fromMemorySegment(B, m, byteOffset, ByteOrder.LITTLE_ENDIAN, B.indexInRange(0, F.length()))
                : ByteVector.fromMemorySegment(B, m, byteOffset, ByteOrder.LITTLE_ENDIAN);
    }

    /** F.length() unsigned bytes at byteOffset zero-extended to {@link #I} lanes. */
    static IntVector unsignedBytes(MemorySegment m, long byteOffset) {
        return (IntVector) bytes(m, byteOffset).convertShape(jdk.incubator.vector.VectorOperators.ZERO_EXTEND_B2I, I, 0);
    }

    /** F.length() signed bytes at byteOffset as floats. */
    static FloatVector bytesToFloats(MemorySegment m, long byteOffset) {
        return (FloatVector) bytes(m, byteOffset).convertShape(jdk.incubator.vector.VectorOperators.B2F, F, 0);
    }

    /** F.length() little-endian shorts at byteOffset, sign-extended to {@link #I} lanes. */
    static IntVector shortsToInts(MemorySegment m, long byteOffset) {
        return (IntVector) ShortVector.fromMemorySegment(S, m, byteOffset, ByteOrder.LITTLE_ENDIAN)
                .convertShape(jdk.incubator.vector.VectorOperators.S2I, I, 0);
    }

    /**
     * F.length() IEEE half floats at byteOffset as floats, exact for every half value and without
     * ever doing arithmetic on float denormals (slow on many CPUs): normals and infinities/NaNs get
     * their exponent re-biased with integer operations; half denormals are their mantissa, an
     * ordinary integer, converted and scaled by 2^-24.
     */
    static FloatVector halvesToFloats(MemorySegment m, long byteOffset) {
        IntVector h = shortsToInts(m, byteOffset);
        IntVector magnitude = h.and(0x7fff);
        IntVector normal = magnitude.lanewise(jdk.incubator.vector.VectorOperators.LSHL, 13).add(0x38000000);
        IntVector special = normal.add(0x38000000); // exponent 31 (inf/NaN) → 255
        IntVector bits = normal.blend(special, magnitude.compare(jdk.incubator.vector.VectorOperators.GE, 0x7c00));
        FloatVector subnormal = ((FloatVector) magnitude.convert(jdk.incubator.vector.VectorOperators.I2F, 0))
                .mul(0x1p-24f);
        IntVector value = bits.blend(subnormal.reinterpretAsInts(),
                magnitude.compare(jdk.incubator.vector.VectorOperators.LT, 0x400));
        return value.or(h.and(0x8000).lanewise(jdk.incubator.vector.VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    /** F.length() bfloat16 values at byteOffset as floats. */
    static FloatVector bf16ToFloats(MemorySegment m, long byteOffset) {
        IntVector h = shortsToInts(m, byteOffset);
        return h.lanewise(jdk.incubator.vector.VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /**
     * Whether {@link #byteLanes} has a layout for the vector width: 8 lanes (each a 32-bit int of
     * four bytes) or 16 (each a 16-bit short of two bytes, widened to an int).
     */
    static boolean hasByteLanes() {
        return F.length() == 8 || F.length() == 16;
    }

    /**
     * x reordered for kernels that read 32 bytes of quants with one load and take the bytes apart
     * with shifts: byte k of lane i is quant (32/L)·i + k of its run of 32, so within each run of
     * 32 values x'[L·k + i] = x[(32/L)·i + k]. cols must be a multiple of 32. The first cols
     * elements of an array from {@link PreparedInputs#take}.
     */
    static float[] byteLanes(float[] x, int xOffset, int cols) {
        int L = F.length();
        int bytesPerLane = 32 / L;
        float[] permuted = PreparedInputs.take(cols);
        for (int b = 0; b < cols; b += 32) {
            for (int k = 0; k < bytesPerLane; k++) {
                for (int i = 0; i < L; i++) {
                    permuted[b + L * k + i] = x[xOffset + b + bytesPerLane * i + k];
                }
            }
        }
        return permuted;
    }

    /**
     * x reordered per 128 values for 16-lane kernels that load 64 quant bytes as int lanes and
     * convert each nibble p (bits 4p..4p+3 of a lane) where it sits, as n·2^4p:
     * x'[128g + 16p + lane] = x[128g + order[16p + lane]]·2^−4p, except p = 7 (the top nibble,
     * shifted down before conversion), which is not scaled. Powers of two: the products are those
     * of unscaled x. The first cols elements (a multiple of 128) of an array from {@link PreparedInputs#take}.
     */
    static float[] wordLanes(float[] x, int xOffset, int cols, int[] order) {
        float[] permuted = PreparedInputs.take(cols);
        for (int g = 0; g < cols; g += 128) {
            for (int i = 0; i < 128; i++) {
                permuted[g + i] = x[xOffset + g + order[i]] * WORD_SCALES[i >> 4];
            }
        }
        return permuted;
    }

    /** 2^−4p for nibble p of {@link #wordLanes}, 1 for the top one. */
    private static final float[] WORD_SCALES = {1f, 0x1p-4f, 0x1p-8f, 0x1p-12f, 0x1p-16f, 0x1p-20f, 0x1p-24f, 1f};

    /**
     * The sums of x over each run of {@code run} values: the first cols / run elements of an
     * array from {@link PreparedInputs#take} (cols a multiple of run).
     */
    static float[] runSums(float[] x, int xOffset, int cols, int run) {
        float[] sums = PreparedInputs.take(cols / run);
        for (int g = 0; g < cols / run; g++) {
            float sum = 0f;
            for (int i = 0; i < run; i++) {
                sum += x[xOffset + run * g + i];
            }
            sums[g] = sum;
        }
        return sums;
    }

    /**
     * 32 bytes at byteOffset as {@link #I} lanes laid out as {@link #byteLanes} describes: eight
     * ints, or sixteen shorts sign-extended to ints. Only for {@link #hasByteLanes} widths.
     */
    static IntVector byteLaneInts(MemorySegment m, long byteOffset) {
        if (F.length() == 8) {
            return IntVector.fromMemorySegment(I, m, byteOffset, ByteOrder.LITTLE_ENDIAN);
        }
        return shortsToInts(m, byteOffset);
    }
}
