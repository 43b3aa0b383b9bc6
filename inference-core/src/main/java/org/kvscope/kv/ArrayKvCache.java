package org.kvscope.kv;

/**
 * {@link KvCache} on plain float arrays ({@link KvCacheType#F32}), one pair of arrays per
 * (layer, kv-head), allocated once for the requested capacity (not the model's maximum context).
 */
public final class ArrayKvCache extends SlotKvCache {
    private final float[][] keys;
    private final float[][] values;

    public ArrayKvCache(int layers, int kvHeads, int headDim, int capacity) {
        super(layers, kvHeads, headDim, capacity);
        keys = new float[pairs()][capacity * headDim];
        values = new float[pairs()][capacity * headDim];
    }

    @Override public float[] keys(int layer, int kvHead) { return keys[index(layer, kvHead)]; }
    @Override public float[] values(int layer, int kvHead) { return values[index(layer, kvHead)]; }

    @Override
    void store(int pair, int slot, float[] k, int ko, float[] v, int vo) {
        System.arraycopy(k, ko, keys[pair], slot * headDim, headDim);
        System.arraycopy(v, vo, values[pair], slot * headDim, headDim);
    }

    @Override
    void move(int pair, int from, int to) {
        System.arraycopy(keys[pair], from * headDim, keys[pair], to * headDim, headDim);
        System.arraycopy(values[pair], from * headDim, values[pair], to * headDim, headDim);
    }
}
