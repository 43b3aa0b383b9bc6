package org.kvscope.kv;

import org.kvscope.trace.AttentionEvidence;

/** Copies the prompt's keys out of a cache, for policies that score by key vectors. */
public final class PromptKeys {
    private PromptKeys() {}

    /**
     * Keys of positions {@code 0..promptLength-1}, position-major; positions the cache does not
     * hold read as zeros.
     */
    public static float[] fromCache(KvCache cache, int layer, int kvHead, int promptLength) {
        int d = cache.headDim();
        float[] out = new float[promptLength * d];
        int[] pos = cache.positions(layer, kvHead);
        float[] keys = cache.keys(layer, kvHead);
        for (int s = 0, n = cache.size(layer, kvHead); s < n; s++) {
            if (pos[s] < promptLength) {
                System.arraycopy(keys, s * d, out, pos[s] * d, d);
            }
        }
        return out;
    }

    /**
     * Records the prompt's keys of every layer and kv-head in the evidence, so key-scored
     * policies can be evaluated later from a capture.
     */
    public static void record(KvCache cache, AttentionEvidence evidence) {
        float[][] keys = new float[cache.layers() * cache.kvHeads()][];
        for (int l = 0; l < cache.layers(); l++) {
            for (int h = 0; h < cache.kvHeads(); h++) {
                keys[l * cache.kvHeads() + h] = fromCache(cache, l, h, evidence.keyCount());
            }
        }
        evidence.setKeys(cache.headDim(), keys);
    }
}
