package org.kvscope.engine;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import org.kvscope.kv.KvCache;

/** The bytes the golden tests digest: floats as their raw little-endian bits, a cache as sizes, positions, keys and values. */
final class GoldenDigests {
    private GoldenDigests() {}

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void add(MessageDigest md, float[] values) {
        byte[] b = new byte[values.length * 4];
        for (int i = 0; i < values.length; i++) {
            int bits = Float.floatToRawIntBits(values[i]);
            b[4 * i] = (byte) bits;
            b[4 * i + 1] = (byte) (bits >> 8);
            b[4 * i + 2] = (byte) (bits >> 16);
            b[4 * i + 3] = (byte) (bits >> 24);
        }
        md.update(b);
    }

    /** Each layer's and kv-head's size, positions (low bytes), keys and values, in that order. */
    static void add(MessageDigest md, KvCache cache) {
        for (int l = 0; l < cache.layers(); l++) {
            for (int h = 0; h < cache.kvHeads(); h++) {
                int size = cache.size(l, h);
                md.update((byte) size);
                int[] pos = cache.positions(l, h);
                for (int s = 0; s < size; s++) {
                    md.update((byte) pos[s]);
                }
                add(md, Arrays.copyOf(cache.keys(l, h), size * cache.headDim()));
                add(md, Arrays.copyOf(cache.values(l, h), size * cache.headDim()));
            }
        }
    }
}
