package org.kvscope.kv;

/**
 * Q8_0 rows as llama.cpp quantizes them ({@code quantize_row_q8_0_ref}): per block, d = max|x| / 127
 * stored as F16 and q = round(x / d) as a signed byte; x ≈ d·q.
 */
final class Q8_0Rows extends BlockRows {
    Q8_0Rows(int capacity, int headDim) {
        super(KvCacheType.Q8_0, capacity, headDim);
    }

    @Override
    void write(int slot, float[] src, int off) {
        for (int b = 0; b < blocks; b++) {
            int from = off + b * KvCacheType.BLOCK, len = blockLength(b);
            float amax = 0f;
            for (int i = 0; i < len; i++) {
                amax = Math.max(amax, Math.abs(src[from + i]));
            }
            float d = amax / 127f;
            float id = d != 0f ? 1f / d : 0f;
            scales[slot * blocks + b] = Float.floatToFloat16(d);
            for (int i = 0, at = slot * headDim + b * KvCacheType.BLOCK; i < len; i++) {
                codes[at + i] = (byte) roundHalfAway(src[from + i] * id);
            }
        }
    }

    /**
     * A plain loop that C2 compiles to vector byte-to-float conversions and multiplies: inlined
     * into a large caller (decode attention), Vector API calls risk being cut off by C2's inlining
     * budget and boxed, a loop does not.
     */
    @Override
    void decodeBlock(int row, int b, float d, float[] dst, int to) {
        int len = blockLength(b), at = row * headDim + b * KvCacheType.BLOCK;
        for (int i = 0; i < len; i++) {
            dst[to + i] = codes[at + i] * d;
        }
    }
}
