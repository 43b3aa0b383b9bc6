package org.kvscope.backend.cuda;

/**
 * One layer of one sequence's compressed KV cache on the device. Kv head g holds counts[g] slots:
 * keys and values are [kvHeads][capacity][headDim] floats (keys already rotated), positions
 * [kvHeads][capacity] ints, counts [kvHeads] ints. Slots are kept in ascending position order.
 */
public record KvCacheLayer(DeviceBuffer keys, DeviceBuffer values, DeviceBuffer positions, DeviceBuffer counts,
                           int kvHeads, int capacity, int headDim) implements AutoCloseable {
    /** Largest head dimension the attention kernel handles. */
    public static final int MAX_HEAD_DIM = 256;

    /** Validates the shape and that every buffer is large enough. */
    public KvCacheLayer {
        Checks.positive("kvHeads", kvHeads);
        Checks.positive("capacity", capacity);
        Checks.positive("headDim", headDim);
        Checks.atMost("headDim", headDim, MAX_HEAD_DIM);
        long slots = Math.multiplyExact((long) kvHeads, capacity);
        Checks.capacity("keys", keys.byteSize(), Checks.floats(slots * headDim));
        Checks.capacity("values", values.byteSize(), Checks.floats(slots * headDim));
        Checks.capacity("positions", positions.byteSize(), Checks.floats(slots));
        Checks.capacity("counts", counts.byteSize(), Checks.floats(kvHeads));
    }

    /** Allocates an empty cache layer (all counts zero). */
    public static KvCacheLayer allocate(CudaContext context, int kvHeads, int capacity, int headDim) {
        Checks.positive("kvHeads", kvHeads);
        Checks.positive("capacity", capacity);
        Checks.positive("headDim", headDim);
        long slots = Math.multiplyExact((long) kvHeads, capacity);
        DeviceBuffer keys = context.allocate(Checks.floats(slots * headDim));
        DeviceBuffer values = context.allocate(Checks.floats(slots * headDim));
        DeviceBuffer positions = context.allocate(Checks.floats(slots));
        DeviceBuffer counts = context.allocate(Checks.floats(kvHeads));
        counts.fillZero();
        return new KvCacheLayer(keys, values, positions, counts, kvHeads, capacity, headDim);
    }

    /** The current slot count of every kv head (copies from the device). */
    public int[] readCounts() {
        return counts.toInts(kvHeads);
    }

    /** Frees the four buffers. */
    @Override
    public void close() {
        keys.close();
        values.close();
        positions.close();
        counts.close();
    }
}
