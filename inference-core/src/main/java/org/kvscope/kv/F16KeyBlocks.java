package org.kvscope.kv;

/**
 * IEEE half-precision keys stored transposed in blocks of {@link #SLOTS} slots: block b holds, for
 * each dimension d, the halves of its 16 slots side by side, at {@code (b·headDim + d)·16 + slot % 16}.
 * One vector load then gives one dimension of 16 keys, so decode attention scores 16 slots with one
 * broadcast multiply-add per dimension instead of 16 dot products and their horizontal sums. The
 * capacity is rounded up to whole blocks; lanes of the last block past the head's size hold zeros
 * or vectors of slots dropped or moved away, all finite unless {@link #finiteHalves} says otherwise.
 */
final class F16KeyBlocks extends KvRows {
    /** Slots per block: one 16-lane vector of floats (two of 8 lanes). */
    static final int SLOTS = 16;

    private final short[] halves;
    private boolean nonFinite;

    F16KeyBlocks(int capacity, int headDim) {
        super(headDim);
        halves = new short[(capacity + SLOTS - 1) / SLOTS * SLOTS * headDim];
    }

    /** Index of dimension 0 of {@code slot}; dimension d is {@code d·SLOTS} further on. */
    static int first(int slot, int headDim) {
        return slot / SLOTS * SLOTS * headDim + slot % SLOTS;
    }

    @Override
    void write(int slot, float[] src, int off) {
        for (int i = 0, at = first(slot, headDim); i < headDim; i++, at += SLOTS) {
            short h = Float.floatToFloat16(src[off + i]);
            nonFinite |= (h & 0x7c00) == 0x7c00;
            halves[at] = h;
        }
    }

    /** The blocks of halves, or null once an infinity or NaN was written (then read through {@link #read}). */
    short[] finiteHalves() {
        return nonFinite ? null : halves;
    }

    @Override
    void read(int slot, int count, float[] dst, int off) {
        for (int r = 0; r < count; r++) {
            for (int i = 0, at = first(slot + r, headDim), to = off + r * headDim; i < headDim; i++, at += SLOTS) {
                dst[to + i] = Float.float16ToFloat(halves[at]);
            }
        }
    }

    @Override
    void move(int from, int to) {
        for (int i = 0, a = first(from, headDim), b = first(to, headDim); i < headDim; i++, a += SLOTS, b += SLOTS) {
            halves[b] = halves[a];
        }
    }
}
