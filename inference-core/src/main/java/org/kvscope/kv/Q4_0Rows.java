package org.kvscope.kv;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.kvscope.tensor.VectorOps;

/**
 * Q4_0 rows as llama.cpp quantizes them ({@code quantize_row_q4_0_ref}): per block, m = the value
 * of largest magnitude, d = m / -8 stored as F16, q = min(15, ⌊x/d + 8.5⌋); x ≈ d·(q - 8). Byte j
 * of a block holds value j in its low nibble and value j + 16 in its high one (j + half the
 * block's length for a shorter last block).
 */
final class Q4_0Rows extends BlockRows {
    private static final int HALF = KvCacheType.BLOCK / 2;
    private static final VectorSpecies<Integer> INTS = VectorOps.F.withLanes(int.class);

    Q4_0Rows(int capacity, int headDim) {
        super(KvCacheType.Q4_0, capacity, headDim);
    }

    @Override
    void write(int slot, float[] src, int off) {
        for (int b = 0; b < blocks; b++) {
            int from = off + b * KvCacheType.BLOCK, len = blockLength(b), half = (len + 1) / 2;
            float amax = 0f, max = 0f;
            for (int i = 0; i < len; i++) {
                float v = src[from + i];
                if (Math.abs(v) > amax) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -8f;
            float id = d != 0f ? 1f / d : 0f;
            scales[slot * blocks + b] = Float.floatToFloat16(d);
            for (int j = 0, at = slot * rowCodes + b * HALF; j < half; j++) {
                int lo = nibble(src[from + j] * id);
                int hi = j + half < len ? nibble(src[from + j + half] * id) : 8;
                codes[at + j] = (byte) (lo | hi << 4);
            }
        }
    }

    private static int nibble(float scaled) {
        return Math.min(15, (int) (scaled + 8.5f));
    }

    @Override
    void decodeBlock(int row, int b, float d, float[] dst, int to) {
        int len = blockLength(b), half = (len + 1) / 2, at = row * rowCodes + b * HALF;
        int lanes = VectorOps.F.length();
        if (BYTES != null && len == KvCacheType.BLOCK && HALF % lanes == 0) {
            FloatVector dv = FloatVector.broadcast(VectorOps.F, d);
            FloatVector minus8d = FloatVector.broadcast(VectorOps.F, -8f * d);
            for (int j = 0; j < HALF; j += lanes) { // bytes widened to int lanes: x86 has no byte shift
                IntVector q = (IntVector) ByteVector.fromArray(BYTES, codes, at + j)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0);
                toFloats(q.and(0x0F)).fma(dv, minus8d).intoArray(dst, to + j);
                toFloats(q.lanewise(VectorOperators.LSHR, 4)).fma(dv, minus8d).intoArray(dst, to + HALF + j);
            }
            return;
        }
        for (int j = 0; j < len; j++) {
            int q = j < half ? codes[at + j] & 0x0F : (codes[at + j - half] >> 4) & 0x0F;
            dst[to + j] = (q - 8) * d;
        }
    }

    private static FloatVector toFloats(IntVector q) {
        return (FloatVector) q.convertShape(VectorOperators.I2F, VectorOps.F, 0);
    }
}
