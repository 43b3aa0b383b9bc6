package org.kvscope.backend.cuda;

import java.util.List;

/**
 * A device-side table of the caches of several sequences for one layer, so that one attention
 * launch serves a whole batch of sequences. Build it once per layer and batch; it stays valid
 * while the cache buffers live (their contents and counts may change freely).
 */
public final class KvCacheTable implements AutoCloseable {
    private final List<KvCacheLayer> sequences;
    private final DeviceBuffer table;

    private KvCacheTable(List<KvCacheLayer> sequences, DeviceBuffer table) {
        this.sequences = sequences;
        this.table = table;
    }

    /** A table over these caches, which must all have the same kvHeads, capacity and headDim. */
    public static KvCacheTable of(CudaContext context, List<KvCacheLayer> sequences) {
        if (sequences.isEmpty()) {
            throw new IllegalArgumentException("a cache table needs at least one sequence");
        }
        KvCacheLayer first = sequences.getFirst();
        int n = sequences.size();
        long[] addresses = new long[4 * n];
        for (int i = 0; i < n; i++) {
            KvCacheLayer c = sequences.get(i);
            if (c.kvHeads() != first.kvHeads() || c.capacity() != first.capacity() || c.headDim() != first.headDim()) {
                throw new IllegalArgumentException("cache " + i + " has kvHeads/capacity/headDim " + c.kvHeads() + "/"
                        + c.capacity() + "/" + c.headDim() + " but cache 0 has " + first.kvHeads() + "/"
                        + first.capacity() + "/" + first.headDim() + "; a table needs equal shapes");
            }
            addresses[i] = c.keys().pointer().address();
            addresses[n + i] = c.values().pointer().address();
            addresses[2 * n + i] = c.positions().pointer().address();
            addresses[3 * n + i] = c.counts().pointer().address();
        }
        DeviceBuffer table = context.allocate(8L * addresses.length);
        table.copyFrom(jcuda.Pointer.to(addresses), 8L * addresses.length);
        return new KvCacheTable(List.copyOf(sequences), table);
    }

    /** Number of sequences. */
    public int size() { return sequences.size(); }

    /** Kv heads per sequence. */
    public int kvHeads() { return sequences.getFirst().kvHeads(); }

    /** Slots per kv head. */
    public int capacity() { return sequences.getFirst().capacity(); }

    /** Head dimension. */
    public int headDim() { return sequences.getFirst().headDim(); }

    DeviceBuffer table() { return table; }

    /** Frees the table (not the caches). */
    @Override
    public void close() {
        table.close();
    }
}
