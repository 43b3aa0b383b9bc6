package org.kvscope.metrics;

import org.kvscope.kv.KvCacheType;

/**
 * KV-cache memory per layer and in total, kept versus full, in a cache type's real bytes (codes
 * plus scales; float32 unless said otherwise).
 *
 * @param keptBytesPerLayer bytes of the kept entries in each layer
 * @param fullBytesPerLayer bytes a full cache of the same positions would use
 */
public record KvMemory(long[] keptBytesPerLayer, long[] fullBytesPerLayer) {

    /**
     * @param keptEntriesPerLayer kept entries per layer summed over kv-heads
     * @param positions           positions a full cache would hold
     */
    public static KvMemory of(int[] keptEntriesPerLayer, int kvHeads, int headDim, int positions) {
        return of(keptEntriesPerLayer, kvHeads, headDim, positions, KvCacheType.F32);
    }

    /** Like {@link #of(int[], int, int, int)} for keys and values stored as {@code type}. */
    public static KvMemory of(int[] keptEntriesPerLayer, int kvHeads, int headDim, int positions, KvCacheType type) {
        long perEntry = 2L * type.vectorBytes(headDim);
        long[] kept = new long[keptEntriesPerLayer.length];
        long[] full = new long[keptEntriesPerLayer.length];
        for (int l = 0; l < kept.length; l++) {
            kept[l] = keptEntriesPerLayer[l] * perEntry;
            full[l] = (long) kvHeads * positions * perEntry;
        }
        return new KvMemory(kept, full);
    }

    /**
     * The same entries counted as {@code type} instead of float32 (this memory must be float32's:
     * from {@link #of(int[], int, int, int)}).
     */
    public KvMemory inType(KvCacheType type, int headDim) {
        long f32 = 2L * KvCacheType.F32.vectorBytes(headDim), typed = 2L * type.vectorBytes(headDim);
        long[] kept = keptBytesPerLayer.clone(), full = fullBytesPerLayer.clone();
        for (int l = 0; l < kept.length; l++) {
            kept[l] = kept[l] / f32 * typed;
            full[l] = full[l] / f32 * typed;
        }
        return new KvMemory(kept, full);
    }

    public long keptTotal() {
        long s = 0;
        for (long v : keptBytesPerLayer) {
            s += v;
        }
        return s;
    }

    public long fullTotal() {
        long s = 0;
        for (long v : fullBytesPerLayer) {
            s += v;
        }
        return s;
    }

    /** Kept over full (1.0 = no saving). */
    public double ratio() {
        return fullTotal() == 0 ? 1.0 : (double) keptTotal() / fullTotal();
    }
}
