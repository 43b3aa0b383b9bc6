package org.kvscope.metrics;

/**
 * How full the KV cache was over a run's continuation: sampled right after prefill (once the
 * policy has compressed) and after every decode step (once the step's evictions are applied).
 *
 * @param samples        cache states sampled (1 + decode steps)
 * @param heads          (layer, kv-head) pairs of the cache
 * @param meanEntries    entries over all layers and kv-heads, averaged over the samples
 * @param peakEntries    the largest total of entries in any sample
 * @param peakHeadEntries the most entries one (layer, kv-head) held in any sample
 * @param meanBytes      bytes of kept keys and values ({@link org.kvscope.kv.KvCache#keptBytes}), averaged
 * @param peakBytes      the largest byte count in any sample
 */
public record CacheOccupancy(int samples, int heads, double meanEntries, long peakEntries, int peakHeadEntries,
                             double meanBytes, long peakBytes) {
    /** No sample taken. */
    public static final CacheOccupancy NONE = new CacheOccupancy(0, 0, 0, 0, 0, 0, 0);

    /** Mean entries per (layer, kv-head): comparable with a policy's budget. */
    public double meanEntriesPerHead() {
        return heads == 0 ? 0 : meanEntries / heads;
    }

    /** Peak of the total entries, per (layer, kv-head). */
    public double peakEntriesPerHead() {
        return heads == 0 ? 0 : (double) peakEntries / heads;
    }

    /** Gathers samples one cache state at a time. */
    public static final class Tracker {
        private int samples;
        private int heads;
        private double entrySum;
        private double byteSum;
        private long peakEntries;
        private int peakHead;
        private long peakBytes;

        /** Records one cache state. */
        public void sample(org.kvscope.kv.KvCache cache) {
            sampleGrowth(cache, 1);
        }

        /**
         * Records the {@code steps} states of a cache that gained one entry per (layer, kv-head) at
         * each step and now is {@code cache}: the samples one {@link #sample} after every step would
         * have taken, the last being {@code cache} itself.
         */
        public void sampleGrowth(org.kvscope.kv.KvCache cache, int steps) {
            long entries = 0;
            int widest = 0;
            for (int l = 0; l < cache.layers(); l++) {
                for (int h = 0; h < cache.kvHeads(); h++) {
                    entries += cache.size(l, h);
                    widest = Math.max(widest, cache.size(l, h));
                }
            }
            heads = cache.layers() * cache.kvHeads();
            long bytes = cache.keptBytes();
            long stepBytes = heads * 2L * cache.type().vectorBytes(cache.headDim());
            for (int back = steps - 1; back >= 0; back--) {
                long e = entries - (long) back * heads, b = bytes - back * stepBytes;
                samples++;
                entrySum += e;
                byteSum += b;
                peakEntries = Math.max(peakEntries, e);
                peakHead = Math.max(peakHead, widest - back);
                peakBytes = Math.max(peakBytes, b);
            }
        }

        /**
         * Records one cache state given by its totals: {@code entries} and {@code bytes} over the
         * {@code heads} (layer, kv-head) pairs, {@code widest} the most one head holds.
         */
        public void sample(long entries, int widest, long bytes, int heads) {
            this.heads = heads;
            samples++;
            entrySum += entries;
            byteSum += bytes;
            peakEntries = Math.max(peakEntries, entries);
            peakHead = Math.max(peakHead, widest);
            peakBytes = Math.max(peakBytes, bytes);
        }

        public void clear() {
            samples = heads = peakHead = 0;
            entrySum = byteSum = 0;
            peakEntries = peakBytes = 0;
        }

        public CacheOccupancy result() {
            return samples == 0 ? NONE : new CacheOccupancy(samples, heads, entrySum / samples, peakEntries, peakHead,
                    byteSum / samples, peakBytes);
        }
    }

    /**
     * Combines runs of the same model (e.g. several texts): means weighted by samples, peaks the
     * largest.
     */
    public static CacheOccupancy combine(java.util.List<CacheOccupancy> runs) {
        int samples = 0, heads = 0, peakHead = 0;
        double entries = 0, bytes = 0;
        long peakEntries = 0, peakBytes = 0;
        for (CacheOccupancy r : runs) {
            samples += r.samples;
            heads = Math.max(heads, r.heads);
            entries += r.meanEntries * r.samples;
            bytes += r.meanBytes * r.samples;
            peakEntries = Math.max(peakEntries, r.peakEntries);
            peakHead = Math.max(peakHead, r.peakHeadEntries);
            peakBytes = Math.max(peakBytes, r.peakBytes);
        }
        return samples == 0 ? NONE
                : new CacheOccupancy(samples, heads, entries / samples, peakEntries, peakHead, bytes / samples, peakBytes);
    }
}
