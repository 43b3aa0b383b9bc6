package org.kvscope.kv;

/**
 * Rows of llama.cpp-style blocks: per slot, {@code rowCodes} bytes of codes and one F16 scale per
 * block of {@link KvCacheType#BLOCK} values (codes and scales in two arrays; the bytes are those
 * of the interleaved file layout).
 */
abstract sealed class BlockRows extends KvRows permits Q8_0Rows, Q4_0Rows {
    final int blocks;
    final int rowCodes;
    final byte[] codes;
    final short[] scales;

    BlockRows(KvCacheType type, int capacity, int headDim) {
        super(headDim);
        blocks = KvCacheType.blocks(headDim);
        rowCodes = KvCacheType.codeBytes(type, headDim);
        codes = new byte[capacity * rowCodes];
        scales = new short[capacity * blocks];
    }

    @Override
    final void read(int slot, int count, float[] dst, int off) {
        for (int r = 0; r < count; r++) {
            int row = slot + r;
            for (int b = 0; b < blocks; b++) {
                decodeBlock(row, b, Float.float16ToFloat(scales[row * blocks + b]), dst,
                        off + r * headDim + b * KvCacheType.BLOCK);
            }
        }
    }

    /** Decodes block b of a row, whose scale is d, into dst from {@code to}. */
    abstract void decodeBlock(int row, int b, float d, float[] dst, int to);

    @Override
    final void move(int from, int to) {
        System.arraycopy(codes, from * rowCodes, codes, to * rowCodes, rowCodes);
        System.arraycopy(scales, from * blocks, scales, to * blocks, blocks);
    }
}
