package org.kvscope.kv;

import java.util.Arrays;

/**
 * {@link KvCache} on plain float arrays ({@link KvCacheType#F32}), one pair of arrays per
 * (layer, kv-head), allocated once for the requested capacity (not the model's maximum context).
 */
public final class ArrayKvCache extends SlotKvCache {
    private final float[][] keys;
    private final float[][] values;
    /** Once {@link #recordKeyNorms} was called: per pair the {@link KeyNorms}, and whether they cover its slots exactly. */
    private KeyNorms[] norms;
    private boolean[] normsExact;

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
        if (norms != null) {
            double square = DoubleSums.sumOfSquares(k, ko, headDim);
            norms[pair].squares()[slot] = square;
            norms[pair].negatedNorms()[slot] = KeyNorms.negatedNorm(square);
            DoubleSums.axpy(1 / KeyNorms.norm(square), k, ko, norms[pair].normalisedSum(), headDim);
        }
    }

    @Override
    void move(int pair, int from, int to) {
        System.arraycopy(keys[pair], from * headDim, keys[pair], to * headDim, headDim);
        System.arraycopy(values[pair], from * headDim, values[pair], to * headDim, headDim);
    }

    /** A pair that already holds keys when recording starts, or loses or moves any later, has no exact norms. */
    @Override
    public boolean recordKeyNorms() {
        if (norms == null) {
            norms = new KeyNorms[pairs()];
            normsExact = new boolean[pairs()];
            for (int layer = 0; layer < layers(); layer++) {
                for (int h = 0; h < kvHeads(); h++) {
                    int i = index(layer, h);
                    norms[i] = new KeyNorms(new double[capacity()], new double[headDim], new float[capacity()]);
                    normsExact[i] = size(layer, h) == 0;
                }
            }
        }
        return true;
    }

    @Override
    public KeyNorms keyNorms(int layer, int kvHead) {
        int i = index(layer, kvHead);
        return norms != null && normsExact[i] ? norms[i] : null;
    }

    @Override
    public void retain(int layer, int kvHead, int[] keptSlots) {
        if (norms != null && keptSlots.length != size(layer, kvHead)) {
            normsExact[index(layer, kvHead)] = false; // fewer slots: some move or go
        }
        super.retain(layer, kvHead, keptSlots);
    }

    @Override
    public void clear() {
        super.clear();
        if (norms != null) {
            for (KeyNorms n : norms) {
                Arrays.fill(n.normalisedSum(), 0);
            }
            Arrays.fill(normsExact, true);
        }
    }
}
