package org.kvscope.kv;

/**
 * Key/value cache of a decoder. Each (layer, kv-head) pair holds its own ordered list of
 * <em>slots</em>; every slot remembers the original token position it came from, so a
 * compression policy can keep a different subset of positions per layer and per kv-head while
 * keys keep the RoPE rotation of their original position.
 *
 * <p>Slots are always in increasing position order. Keys and values are read slot-major with
 * stride {@link #headDim()}. For an {@link KvCacheType#F32} cache the arrays returned by
 * {@link #keys} and {@link #values} are the live backing storage (valid for the first
 * {@link #size} slots) and must not be modified by readers; other {@link #type}s return
 * dequantized copies, and the attention kernels read them a run of slots at a time through
 * {@link #readKeys} and {@link #readValues}.
 */
public interface KvCache {

    int layers();

    int kvHeads();

    int headDim();

    /** Maximum slots per (layer, kv-head): the context length requested for this session. */
    int capacity();

    /** Number of kept slots of one (layer, kv-head). */
    int size(int layer, int kvHead);

    /** Original token positions of the kept slots (backing array, first {@link #size} valid). */
    int[] positions(int layer, int kvHead);

    /** Keys, slot-major [slot][headDim] (the backing array for F32, else a dequantized copy). */
    float[] keys(int layer, int kvHead);

    /** Values, slot-major [slot][headDim] (the backing array for F32, else a dequantized copy). */
    float[] values(int layer, int kvHead);

    /** How keys and values are stored. */
    default KvCacheType type() { return KvCacheType.F32; }

    /** Keys of slots {@code from .. from + count - 1} as floats into {@code dst} from {@code dstOffset}. */
    default void readKeys(int layer, int kvHead, int from, int count, float[] dst, int dstOffset) {
        System.arraycopy(keys(layer, kvHead), from * headDim(), dst, dstOffset, count * headDim());
    }

    /** Values of slots {@code from .. from + count - 1} as floats into {@code dst} from {@code dstOffset}. */
    default void readValues(int layer, int kvHead, int from, int count, float[] dst, int dstOffset) {
        System.arraycopy(values(layer, kvHead), from * headDim(), dst, dstOffset, count * headDim());
    }

    /**
     * Appends one token's keys and values for every kv-head of a layer.
     *
     * @param k keys laid out [kvHead][headDim] starting at {@code kOffset}
     * @param v values laid out [kvHead][headDim] starting at {@code vOffset}
     * @throws IllegalStateException when a head is full
     */
    void append(int layer, int position, float[] k, int kOffset, float[] v, int vOffset);

    /**
     * Keeps only the given slots of one (layer, kv-head), compacting them to the front in order.
     *
     * @param keptSlots strictly increasing slot indices below {@link #size}
     */
    void retain(int layer, int kvHead, int[] keptSlots);

    /** Drops every slot of every layer. */
    void clear();

    /**
     * Starts recording, for every key written from now on, what K-norm and KeyDiff score from
     * ({@link KeyNorms}), so their selection reads it instead of the keys. A few dozen flops per
     * key and kv-head, paid while the prompt is prefilled.
     *
     * @return false when this cache does not record them (the policies then read the keys)
     */
    default boolean recordKeyNorms() { return false; }

    /**
     * The recorded {@link KeyNorms} of one (layer, kv-head) when they cover exactly its slots
     * 0 … {@link #size} − 1 as they were written (nothing moved or dropped since the cache was
     * cleared, every key written while recording); otherwise null.
     */
    default KeyNorms keyNorms(int layer, int kvHead) { return null; }

    /** Bytes held by kept keys and values across all layers, in the cache's {@link #type} (blocks and scales). */
    default long keptBytes() {
        long slots = 0;
        for (int l = 0; l < layers(); l++) {
            slots += keptSlots(l);
        }
        return slots * 2L * type().vectorBytes(headDim());
    }

    /** Bytes allocated for keys and values: every slot of the capacity, in the cache's {@link #type}. */
    default long allocatedBytes() {
        return (long) layers() * kvHeads() * capacity() * 2L * type().vectorBytes(headDim());
    }

    /** Total kept slots of a layer over its kv-heads. */
    default long keptSlots(int layer) {
        long n = 0;
        for (int h = 0; h < kvHeads(); h++) {
            n += size(layer, h);
        }
        return n;
    }
}
