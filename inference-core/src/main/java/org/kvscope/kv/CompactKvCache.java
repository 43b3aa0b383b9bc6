package org.kvscope.kv;

/**
 * {@link KvCache} in a compact {@link KvCacheType} (F16, Q8_0 or Q4_0): each vector is encoded
 * when appended and decoded when read. Eviction ({@link #retain}) moves the encoded vectors, so a
 * slot is quantized exactly once whatever a policy keeps. F16 keys are stored transposed in blocks
 * of {@link #F16_KEY_BLOCK} slots for decode attention ({@link #f16Keys}); every reader through
 * {@link #keys}, {@link #readKeys} and the policies sees them slot-major like any other type.
 */
public final class CompactKvCache extends SlotKvCache {
    private final KvCacheType type;
    private final KvRows[] keys;
    private final KvRows[] values;

    public CompactKvCache(KvCacheType type, int layers, int kvHeads, int headDim, int capacity) {
        super(layers, kvHeads, headDim, capacity);
        if (type == KvCacheType.F32) {
            throw new IllegalArgumentException("an F32 cache is an ArrayKvCache");
        }
        this.type = type;
        keys = new KvRows[pairs()];
        values = new KvRows[pairs()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = KvRows.of(type, capacity, headDim, true);
            values[i] = KvRows.of(type, capacity, headDim, false);
        }
    }

    @Override public KvCacheType type() { return type; }

    @Override
    public float[] keys(int layer, int kvHead) {
        return decoded(keys[index(layer, kvHead)], size(layer, kvHead));
    }

    @Override
    public float[] values(int layer, int kvHead) {
        return decoded(values[index(layer, kvHead)], size(layer, kvHead));
    }

    private float[] decoded(KvRows rows, int size) {
        float[] out = new float[size * headDim];
        rows.read(0, size, out, 0);
        return out;
    }

    @Override
    public void readKeys(int layer, int kvHead, int from, int count, float[] dst, int dstOffset) {
        keys[index(layer, kvHead)].read(from, count, dst, dstOffset);
    }

    @Override
    public void readValues(int layer, int kvHead, int from, int count, float[] dst, int dstOffset) {
        values[index(layer, kvHead)].read(from, count, dst, dstOffset);
    }

    /** Slots per block of {@link #f16Keys}. */
    public static final int F16_KEY_BLOCK = F16KeyBlocks.SLOTS;

    /**
     * The stored halves of one head's keys, transposed in blocks of {@link #F16_KEY_BLOCK} slots
     * (dimension d of slot s at {@code (s / 16 · headDim + d) · 16 + s % 16}), for kernels that
     * convert them in registers; null unless this is an F16 cache whose every half written there
     * is finite. Live storage: read only, valid until the next append or retain.
     */
    public short[] f16Keys(int layer, int kvHead) {
        return keys[index(layer, kvHead)] instanceof F16KeyBlocks f ? f.finiteHalves() : null;
    }

    /**
     * The stored halves of one head's values, slot after slot (slot·headDim on); otherwise as
     * {@link #f16Keys}.
     */
    public short[] f16Values(int layer, int kvHead) {
        return values[index(layer, kvHead)] instanceof F16Rows f ? f.finiteHalves() : null;
    }

    /** Every slot of the capacity in the type's bytes, the F16 keys' last block whole (up to 15 slots more). */
    @Override
    public long allocatedBytes() {
        long keySlots = type == KvCacheType.F16
                ? (capacity() + F16_KEY_BLOCK - 1) / F16_KEY_BLOCK * (long) F16_KEY_BLOCK : capacity();
        return pairs() * (keySlots + capacity()) * type.vectorBytes(headDim);
    }

    @Override
    void store(int pair, int slot, float[] k, int ko, float[] v, int vo) {
        keys[pair].write(slot, k, ko);
        values[pair].write(slot, v, vo);
    }

    @Override
    void move(int pair, int from, int to) {
        keys[pair].move(from, to);
        values[pair].move(from, to);
    }
}
