package org.kvscope.backend.cuda;

import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

/**
 * A CUDA stream: kernels launched on one stream run in order. Streams are created blocking, so the
 * synchronous copies of {@link DeviceBuffer} wait for work queued on them.
 */
public final class CudaStream implements AutoCloseable {
    private final CudaContext context;
    private final CUstream stream;
    private final boolean owned;
    private boolean closed;

    CudaStream(CudaContext context, CUstream stream, boolean owned) {
        this.context = context;
        this.stream = stream;
        this.owned = owned;
    }

    CUstream handle() {
        if (closed) {
            throw new IllegalStateException("CUDA stream is closed");
        }
        return stream;
    }

    CudaContext context() {
        return context;
    }

    /** Blocks until all work queued on this stream has finished; reports kernel faults. */
    public void synchronize() {
        context.makeCurrent();
        Cuda.check(JCudaDriver.cuStreamSynchronize(handle()), "cuStreamSynchronize");
    }

    /** Destroys the stream (the default stream is never destroyed). */
    @Override
    public void close() {
        if (!closed && owned) {
            context.makeCurrent();
            Cuda.check(JCudaDriver.cuStreamDestroy(stream), "cuStreamDestroy");
        }
        closed = true;
    }
}
