package org.kvscope.kv;

/**
 * Q4_0 rows as llama.cpp quantizes them ({@code quantize_row_q4_0_ref}): per block, m = the value
 * of largest magnitude, d = m / -8 stored as F16, q = min(15, ⌊x/d + 8.5⌋); x ≈ d·(q - 8). Byte j
 * of a block holds value j in its low nibble and value j + 16 in its high one (j + half the
 * block's length for a shorter last block).
 */
final class Q4_0Rows extends BlockRows {
    private static final int HALF = KvCacheType.BLOCK / 2;

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

    /**
     * Plain loops that C2 compiles to vector code (as {@link Q8_0Rows#decodeBlock}): the low
     * nibbles of the block's bytes, then the high ones. (q − 8)·d rounds once, as d·q − 8d does.
     */
    @Override
    void decodeBlock(int row, int b, float d, float[] dst, int to) {
        int len = blockLength(b), half = (len + 1) / 2, at = row * rowCodes + b * HALF;
        if (len == KvCacheType.BLOCK) {
            for (int j = 0; j < HALF; j++) {
                dst[to + j] = ((codes[at + j] & 0x0F) - 8) * d;
            }
            for (int j = 0; j < HALF; j++) {
                dst[to + HALF + j] = (((codes[at + j] >> 4) & 0x0F) - 8) * d;
            }
            return;
        }
        for (int j = 0; j < len; j++) {
            int q = j < half ? codes[at + j] & 0x0F : (codes[at + j - half] >> 4) & 0x0F;
            dst[to + j] = (q - 8) * d;
        }
    }
}
