package org.kvscope.metrics;

/**
 * KV-cache memory per layer and in total, kept versus full, for float32 keys and values.
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
        long perEntry = 2L * headDim * Float.BYTES;
        long[] kept = new long[keptEntriesPerLayer.length];
        long[] full = new long[keptEntriesPerLayer.length];
        for (int l = 0; l < kept.length; l++) {
            kept[l] = keptEntriesPerLayer[l] * perEntry;
            full[l] = (long) kvHeads * positions * perEntry;
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
