package org.kvscope.kv;

/**
 * The encoded key (or value) vectors of one (layer, kv-head) of a {@link CompactKvCache}: one
 * row of {@code headDim} values per slot, or for F16 keys blocks of slots ({@link F16KeyBlocks}).
 */
abstract sealed class KvRows permits F16Rows, F16KeyBlocks, BlockRows {
    final int headDim;

    KvRows(int headDim) {
        this.headDim = headDim;
    }

    /** Storage of one head's values, or of its keys when {@code keys} (F16 keys are transposed in blocks). */
    static KvRows of(KvCacheType type, int capacity, int headDim, boolean keys) {
        return switch (type) {
            case F16 -> keys ? new F16KeyBlocks(capacity, headDim) : new F16Rows(capacity, headDim);
            case Q8_0 -> new Q8_0Rows(capacity, headDim);
            case Q4_0 -> new Q4_0Rows(capacity, headDim);
            case F32 -> throw new IllegalArgumentException("F32 rows are plain floats");
        };
    }

    /** Encodes src[off .. off + headDim) into the row of {@code slot}. */
    abstract void write(int slot, float[] src, int off);

    /** Decodes {@code count} rows from {@code slot} on into dst[off ..], row after row. */
    abstract void read(int slot, int count, float[] dst, int off);

    /** Copies the row of slot {@code from} over the row of slot {@code to}. */
    abstract void move(int from, int to);

    /** Values in block {@code b} of a row: {@link KvCacheType#BLOCK}, or fewer for the last one. */
    final int blockLength(int b) {
        return Math.min(KvCacheType.BLOCK, headDim - b * KvCacheType.BLOCK);
    }

    /** Rounds half away from zero, like C's roundf. */
    static int roundHalfAway(float x) {
        return x >= 0 ? (int) (x + 0.5f) : -(int) (-x + 0.5f);
    }
}
