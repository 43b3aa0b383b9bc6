package org.kvscope.tensor;

import java.lang.management.ManagementFactory;
import java.util.Arrays;

/** Bytes allocated by the calling thread and the parallel workers, for the allocation tests. */
public final class WorkerAllocations {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private WorkerAllocations() {}

    /** The ids of this thread and the parallel workers. */
    public static long[] threads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t == Thread.currentThread() || t.getName().startsWith("kvscope-parallel-"))
                .mapToLong(Thread::threadId).toArray();
    }

    /** Bytes allocated so far by the threads {@code ids} that are still alive. */
    public static long allocated(long[] ids) {
        return Arrays.stream(THREADS.getThreadAllocatedBytes(ids)).filter(b -> b > 0).sum();
    }
}
