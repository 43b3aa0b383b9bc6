package org.kvscope.kv;

import java.util.Locale;

/**
 * How a {@link KvCache} stores keys and values, chosen per run. {@link #F32} is exact (the
 * default, for analysis); {@link #F16} is llama.cpp's default cache type and halves what each
 * decoded token reads; {@link #Q8_0} and {@link #Q4_0} are llama.cpp's block formats: each run of
 * 32 values of one head's key or value vector is one block of an F16 scale d and 32 codes
 * (x ≈ d·q, q a signed byte for Q8_0, a nibble minus 8 for Q4_0). A head size that is not a
 * multiple of 32 ends each vector with one shorter block of the same form (llama.cpp refuses
 * such heads).
 */
public enum KvCacheType {
    F32("f32"), F16("f16"), Q8_0("q8_0"), Q4_0("q4_0");

    /** Values per block of {@link #Q8_0} and {@link #Q4_0}. */
    public static final int BLOCK = 32;

    private final String cliName;

    KvCacheType(String cliName) {
        this.cliName = cliName;
    }

    /** The name the {@code --cache-type} option takes: f32, f16, q8_0 or q4_0. */
    public String cliName() { return cliName; }

    /**
     * The type named (case-insensitive) f32, f16, q8_0 or q4_0.
     *
     * @throws IllegalArgumentException naming the valid values otherwise
     */
    public static KvCacheType parse(String name) {
        for (KvCacheType t : values()) {
            if (t.cliName.equals(name == null ? null : name.toLowerCase(Locale.ROOT))) {
                return t;
            }
        }
        throw new IllegalArgumentException("cache type must be f32, f16, q8_0 or q4_0, was '" + name + "'");
    }

    /** Blocks in one vector of {@code headDim} values (the last one may be shorter than {@link #BLOCK}). */
    public static int blocks(int headDim) {
        return (headDim + BLOCK - 1) / BLOCK;
    }

    /** Bytes of the codes of one vector: one per value for Q8_0, one per two values of each block for Q4_0. */
    static int codeBytes(KvCacheType type, int headDim) {
        return switch (type) {
            case F32 -> headDim * Float.BYTES;
            case F16 -> headDim * 2;
            case Q8_0 -> headDim;
            case Q4_0 -> headDim / BLOCK * (BLOCK / 2) + (headDim % BLOCK + 1) / 2;
        };
    }

    /**
     * Bytes of one slot's keys (or values) of one kv-head: the codes and, for the block types,
     * one F16 scale per block. Exactly what the cache holds per vector.
     */
    public long vectorBytes(int headDim) {
        int scales = this == Q8_0 || this == Q4_0 ? 2 * blocks(headDim) : 0;
        return codeBytes(this, headDim) + scales;
    }

    /** An empty cache of this type. */
    public KvCache newCache(int layers, int kvHeads, int headDim, int capacity) {
        return this == F32 ? new ArrayKvCache(layers, kvHeads, headDim, capacity)
                : new CompactKvCache(this, layers, kvHeads, headDim, capacity);
    }
}
