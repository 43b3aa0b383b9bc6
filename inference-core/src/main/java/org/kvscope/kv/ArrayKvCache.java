package org.kvscope.kv;

/**
 * {@link KvCache} on plain float arrays, one pair of arrays per (layer, kv-head), allocated once
 * for the requested capacity (not the model's maximum context).
 */
public final class ArrayKvCache implements KvCache {
    private final int layers;
    private final int kvHeads;
    private final int headDim;
    private final int capacity;
    private final float[][] keys;
    private final float[][] values;
    private final int[][] positions;
    private final int[] sizes;

    public ArrayKvCache(int layers, int kvHeads, int headDim, int capacity) {
        if (layers <= 0 || kvHeads <= 0 || headDim <= 0 || capacity <= 0) {
            throw new IllegalArgumentException("cache dimensions must be positive: layers=" + layers
                    + " kvHeads=" + kvHeads + " headDim=" + headDim + " capacity=" + capacity);
        }
        long bytes = 2L * layers * kvHeads * (long) capacity * headDim * Float.BYTES;
        if ((long) capacity * headDim > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("context " + capacity + " too large for one head ("
                    + bytes + " bytes in all)");
        }
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.capacity = capacity;
        int pairs = layers * kvHeads;
        keys = new float[pairs][capacity * headDim];
        values = new float[pairs][capacity * headDim];
        positions = new int[pairs][capacity];
        sizes = new int[pairs];
    }

    private int index(int layer, int kvHead) {
        return layer * kvHeads + kvHead;
    }

    @Override public int layers() { return layers; }
    @Override public int kvHeads() { return kvHeads; }
    @Override public int headDim() { return headDim; }
    @Override public int capacity() { return capacity; }
    @Override public int size(int layer, int kvHead) { return sizes[index(layer, kvHead)]; }
    @Override public int[] positions(int layer, int kvHead) { return positions[index(layer, kvHead)]; }
    @Override public float[] keys(int layer, int kvHead) { return keys[index(layer, kvHead)]; }
    @Override public float[] values(int layer, int kvHead) { return values[index(layer, kvHead)]; }

    @Override
    public void append(int layer, int position, float[] k, int kOffset, float[] v, int vOffset) {
        for (int h = 0; h < kvHeads; h++) {
            int i = index(layer, h);
            int slot = sizes[i];
            if (slot == capacity) {
                throw new IllegalStateException("KV cache full: layer " + layer + " kv-head " + h + " holds "
                        + capacity + " positions (the session's context length)");
            }
            if (slot > 0 && positions[i][slot - 1] >= position) {
                throw new IllegalStateException("positions must increase: appending " + position
                        + " after " + positions[i][slot - 1]);
            }
            System.arraycopy(k, kOffset + h * headDim, keys[i], slot * headDim, headDim);
            System.arraycopy(v, vOffset + h * headDim, values[i], slot * headDim, headDim);
            positions[i][slot] = position;
            sizes[i] = slot + 1;
        }
    }

    @Override
    public void retain(int layer, int kvHead, int[] keptSlots) {
        int i = index(layer, kvHead);
        int n = sizes[i];
        int prev = -1;
        for (int j = 0; j < keptSlots.length; j++) {
            int s = keptSlots[j];
            if (s <= prev || s >= n) {
                throw new IllegalArgumentException("kept slots must be strictly increasing and below " + n
                        + "; got " + s + " after " + prev);
            }
            prev = s;
            if (s != j) {
                System.arraycopy(keys[i], s * headDim, keys[i], j * headDim, headDim);
                System.arraycopy(values[i], s * headDim, values[i], j * headDim, headDim);
                positions[i][j] = positions[i][s];
            }
        }
        sizes[i] = keptSlots.length;
    }

    @Override
    public void clear() {
        java.util.Arrays.fill(sizes, 0);
    }
}
