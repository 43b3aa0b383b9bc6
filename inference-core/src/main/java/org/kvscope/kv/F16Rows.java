package org.kvscope.kv;

/**
 * IEEE half-precision rows (round to nearest even on write). Reading is one counted loop over
 * {@link Float#float16ToFloat}, which C2 turns into the CPU's vector half-to-float conversion.
 * Decode attention reads {@link #halves} in place instead, with a conversion exact for finite
 * halves only, so the rows remember whether an infinity or NaN was ever written.
 */
final class F16Rows extends KvRows {
    private final short[] halves;
    private boolean nonFinite;

    F16Rows(int capacity, int headDim) {
        super(headDim);
        halves = new short[capacity * headDim];
    }

    @Override
    void write(int slot, float[] src, int off) {
        for (int i = 0, at = slot * headDim; i < headDim; i++) {
            short h = Float.floatToFloat16(src[off + i]);
            nonFinite |= (h & 0x7c00) == 0x7c00;
            halves[at + i] = h;
        }
    }

    /** The halves, slot after slot, or null once an infinity or NaN was written (then read through {@link #read}). */
    short[] finiteHalves() {
        return nonFinite ? null : halves;
    }

    @Override
    void read(int slot, int count, float[] dst, int off) {
        int from = slot * headDim, n = count * headDim;
        for (int i = 0; i < n; i++) {
            dst[off + i] = Float.float16ToFloat(halves[from + i]);
        }
    }

    @Override
    void move(int from, int to) {
        System.arraycopy(halves, from * headDim, halves, to * headDim, headDim);
    }
}
