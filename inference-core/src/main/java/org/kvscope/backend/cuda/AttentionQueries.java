package org.kvscope.backend.cuda;

/**
 * Query vectors for {@link CudaKernels#attention}: q is [count][heads][headDim] floats (already
 * rotated); sequence and position hold one int per query (the query's row in the cache table and
 * its token position).
 */
public record AttentionQueries(DeviceBuffer q, int count, int heads, DeviceBuffer sequence, DeviceBuffer position) {
    /** Validates counts and the two int buffers. */
    public AttentionQueries {
        Checks.positive("query count", count);
        Checks.positive("query heads", heads);
        Checks.capacity("query sequence indices", sequence.byteSize(), Checks.floats(count));
        Checks.capacity("query positions", position.byteSize(), Checks.floats(count));
    }
}
