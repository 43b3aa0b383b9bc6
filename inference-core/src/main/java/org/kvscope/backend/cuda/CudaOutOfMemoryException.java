package org.kvscope.backend.cuda;

/** cuMemAlloc ran out of device memory; the message gives the request and the device's free/total memory. */
public final class CudaOutOfMemoryException extends CudaBackendException {
    private final long requestedBytes;
    private final long freeBytes;
    private final long totalBytes;

    /** An exception for a failed allocation of {@code requestedBytes} with the given free and total device memory. */
    public CudaOutOfMemoryException(long requestedBytes, long freeBytes, long totalBytes) {
        super(String.format(java.util.Locale.ROOT, "CUDA out of memory allocating %s MiB; free %s of %s MiB",
                mib(requestedBytes), mib(freeBytes), mib(totalBytes)));
        this.requestedBytes = requestedBytes;
        this.freeBytes = freeBytes;
        this.totalBytes = totalBytes;
    }

    private static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f", bytes / (1024.0 * 1024.0));
    }

    /** Bytes that were asked for. */
    public long requestedBytes() { return requestedBytes; }

    /** Free device bytes at the time of the failure. */
    public long freeBytes() { return freeBytes; }

    /** Total device bytes. */
    public long totalBytes() { return totalBytes; }
}
