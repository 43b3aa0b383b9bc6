package org.kvscope.kv;

/**
 * How a policy holds the cache while decoding when every decode step does nothing but keep, per
 * (layer, kv-head), the head's first {@code sinks} entries and its most recent ones, {@code
 * entries} in all (StreamingLLM; DuoAttention's streaming heads). The row a decode step at cache
 * slot j computes then sees slots {@code 0 .. sinks − 1} and {@code max(sinks, j − (entries −
 * sinks)) .. j} of a cache that had kept everything (a sink + sliding-window mask), which lets an
 * engine teacher-force a continuation in prefill chunks instead of one step per token.
 *
 * @param sinks   [layer][kvHead] first entries always held
 * @param entries [layer][kvHead] entries held after a step, {@link #UNBOUNDED} for a head that keeps everything
 */
public record DecodeWindows(int[][] sinks, int[][] entries) {
    /** The {@link #entries} of a head that keeps everything. */
    public static final int UNBOUNDED = Integer.MAX_VALUE;

    /**
     * @throws IllegalArgumentException unless the arrays have the same shape and every bounded head
     *                                  has {@code 0 <= sinks < entries}
     */
    public DecodeWindows {
        if (sinks.length != entries.length) {
            throw new IllegalArgumentException("sinks for " + sinks.length + " layers, entries for " + entries.length);
        }
        for (int l = 0; l < sinks.length; l++) {
            if (sinks[l].length != entries[l].length) {
                throw new IllegalArgumentException("layer " + l + ": sinks for " + sinks[l].length + " kv-heads, entries for "
                        + entries[l].length);
            }
            for (int h = 0; h < sinks[l].length; h++) {
                if (entries[l][h] != UNBOUNDED && (sinks[l][h] < 0 || sinks[l][h] >= entries[l][h])) {
                    throw new IllegalArgumentException("layer " + l + " kv-head " + h + ": sinks must be in 0.."
                            + (entries[l][h] - 1) + ", was " + sinks[l][h]);
                }
            }
        }
    }

    /** The same window in every (layer, kv-head). */
    public static DecodeWindows uniform(int layers, int kvHeads, int sinks, int entries) {
        int[][] s = new int[layers][kvHeads], e = new int[layers][kvHeads];
        for (int l = 0; l < layers; l++) {
            java.util.Arrays.fill(s[l], sinks);
            java.util.Arrays.fill(e[l], entries);
        }
        return new DecodeWindows(s, e);
    }

    public int layers() { return entries.length; }

    /** Whether the head is held to a window (else it keeps everything). */
    public boolean bounded(int layer, int kvHead) { return entries[layer][kvHead] != UNBOUNDED; }

    public int sinks(int layer, int kvHead) { return sinks[layer][kvHead]; }

    public int entries(int layer, int kvHead) { return entries[layer][kvHead]; }

    /**
     * The positions a head keeps after a step when it holds {@code held}'s first {@code size}: its first
     * sinks and last entries − sinks; null when it keeps them all.
     */
    public int[] kept(int layer, int kvHead, int[] held, int size) {
        int keep = entries[layer][kvHead], s = sinks[layer][kvHead];
        if (size <= keep) {
            return null;
        }
        int[] kept = new int[keep];
        System.arraycopy(held, 0, kept, 0, s);
        System.arraycopy(held, size - (keep - s), kept, s, keep - s);
        return kept;
    }
}
