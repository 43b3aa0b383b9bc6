package org.kvscope.kv;

import java.util.Arrays;

/**
 * What every in-memory {@link KvCache} shares: the slots' positions and counts per (layer,
 * kv-head), the checks on append and retain, and compaction order. Subclasses store one slot's
 * vectors and move a slot within a head.
 */
abstract class SlotKvCache implements KvCache {
    private final int layers;
    private final int kvHeads;
    final int headDim;
    private final int capacity;
    private final int[][] positions;
    private final int[] sizes;

    SlotKvCache(int layers, int kvHeads, int headDim, int capacity) {
        if (layers <= 0 || kvHeads <= 0 || headDim <= 0 || capacity <= 0) {
            throw new IllegalArgumentException("cache dimensions must be positive: layers=" + layers
                    + " kvHeads=" + kvHeads + " headDim=" + headDim + " capacity=" + capacity);
        }
        if ((long) capacity * headDim > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("context " + capacity + " too large for one head ("
                    + 2L * layers * kvHeads * (long) capacity * headDim * Float.BYTES + " bytes in all as float32)");
        }
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.capacity = capacity;
        positions = new int[layers * kvHeads][capacity];
        sizes = new int[layers * kvHeads];
    }

    /** Index of one (layer, kv-head) pair, 0 .. layers·kvHeads - 1. */
    final int index(int layer, int kvHead) {
        return layer * kvHeads + kvHead;
    }

    /** Pairs of (layer, kv-head). */
    final int pairs() {
        return layers * kvHeads;
    }

    /** Stores one slot's key and value of one pair, headDim floats each from ko and vo. */
    abstract void store(int pair, int slot, float[] k, int ko, float[] v, int vo);

    /** Copies slot {@code from} of one pair over slot {@code to} (to &lt; from). */
    abstract void move(int pair, int from, int to);

    @Override public int layers() { return layers; }
    @Override public int kvHeads() { return kvHeads; }
    @Override public int headDim() { return headDim; }
    @Override public int capacity() { return capacity; }
    @Override public int size(int layer, int kvHead) { return sizes[index(layer, kvHead)]; }
    @Override public int[] positions(int layer, int kvHead) { return positions[index(layer, kvHead)]; }

    @Override
    public void append(int layer, int position, float[] k, int kOffset, float[] v, int vOffset) {
        for (int h = 0; h < kvHeads; h++) {
            appendHead(layer, h, position, k, kOffset + h * headDim, v, vOffset + h * headDim);
        }
    }

    /**
     * Appends one token's key and value of one kv-head, {@code headDim} floats each from {@code kOffset} and
     * {@code vOffset}: {@link #append(int, int, float[], int, float[], int)} for that head alone (the same checks,
     * the same stored bytes), so a token's heads can be written apart, each by the thread that reads it next.
     *
     * @throws IllegalStateException when the head is full or {@code position} does not follow its last
     */
    public final void appendHead(int layer, int kvHead, int position, float[] k, int kOffset, float[] v, int vOffset) {
        int i = index(layer, kvHead);
        int slot = sizes[i];
        if (slot == capacity) {
            throw new IllegalStateException("KV cache full: layer " + layer + " kv-head " + kvHead + " holds "
                    + capacity + " positions (the session's context length)");
        }
        if (slot > 0 && positions[i][slot - 1] >= position) {
            throw new IllegalStateException("positions must increase: appending " + position
                    + " after " + positions[i][slot - 1]);
        }
        store(i, slot, k, kOffset, v, vOffset);
        positions[i][slot] = position;
        sizes[i] = slot + 1;
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
                move(i, s, j);
                positions[i][j] = positions[i][s];
            }
        }
        sizes[i] = keptSlots.length;
    }

    @Override
    public void clear() {
        Arrays.fill(sizes, 0);
    }
}
