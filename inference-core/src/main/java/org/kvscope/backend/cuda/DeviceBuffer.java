package org.kvscope.backend.cuda;

import jcuda.Pointer;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Device memory: an allocation or a view ({@link #slice}) into one. Copies are synchronous and
 * ordered after work queued on blocking streams. Views share their parent's memory and do not free it.
 */
public final class DeviceBuffer implements AutoCloseable {
    /** Largest piece copied from a {@link MemorySegment} in one driver call. */
    static final long SEGMENT_COPY_CHUNK = 1L << 30;

    private final CudaContext context;
    private final DevicePointer pointer;
    private final long byteSize;
    private final long offsetInAllocation;
    private final DeviceBuffer parent;
    private boolean freed;

    private DeviceBuffer(CudaContext context, DevicePointer pointer, long byteSize, long offsetInAllocation,
                         DeviceBuffer parent) {
        this.context = context;
        this.pointer = pointer;
        this.byteSize = byteSize;
        this.offsetInAllocation = offsetInAllocation;
        this.parent = parent;
    }

    static DeviceBuffer allocate(CudaContext context, long byteSize) {
        if (byteSize <= 0) {
            throw new IllegalArgumentException("device buffer size must be positive, got " + byteSize + " bytes");
        }
        context.makeCurrent();
        DevicePointer ptr = new DevicePointer();
        int result = JCudaDriver.cuMemAlloc(ptr, byteSize);
        if (result == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
            CudaContext.MemoryInfo info = context.memoryInfo();
            throw new CudaOutOfMemoryException(byteSize, info.freeBytes(), info.totalBytes());
        }
        Cuda.check(result, "cuMemAlloc(" + byteSize + " bytes)");
        return new DeviceBuffer(context, ptr, byteSize, 0, null);
    }

    /** Size in bytes. */
    public long byteSize() {
        return byteSize;
    }

    /** Bytes from the start of the underlying allocation (allocations are at least 256-byte aligned). */
    public long offsetInAllocation() {
        return offsetInAllocation;
    }

    /** The context this buffer belongs to. */
    public CudaContext context() {
        return context;
    }

    /** A view of {@code length} bytes starting {@code byteOffset} bytes into this buffer. */
    public DeviceBuffer slice(long byteOffset, long length) {
        Checks.range("slice", byteOffset, length, byteSize);
        if (length == 0) {
            throw new IllegalArgumentException("slice length must be positive");
        }
        return new DeviceBuffer(context, pointer.plus(byteOffset), length, offsetInAllocation + byteOffset, this);
    }

    DevicePointer pointer() {
        if (freed || (parent != null && parent.isFreed())) {
            throw new IllegalStateException("device buffer was already closed");
        }
        return pointer;
    }

    private boolean isFreed() {
        return freed || (parent != null && parent.isFreed());
    }

    /** Copies all of {@code src} to the start of this buffer. */
    public void copyFrom(float[] src) {
        copyIn(Pointer.to(src), 4L * src.length, 0);
    }

    /** Copies all of {@code src} to the start of this buffer. */
    public void copyFrom(int[] src) {
        copyIn(Pointer.to(src), 4L * src.length, 0);
    }

    /** Copies all of {@code src} to the start of this buffer. */
    public void copyFrom(byte[] src) {
        copyIn(Pointer.to(src), src.length, 0);
    }

    /** Copies {@code src} (for example a memory-mapped GGUF tensor) to {@code dstByteOffset} in this buffer. */
    public void copyFrom(MemorySegment src, long dstByteOffset) {
        Checks.range("copy destination", dstByteOffset, src.byteSize(), byteSize);
        for (long done = 0; done < src.byteSize(); done += SEGMENT_COPY_CHUNK) {
            long n = Math.min(SEGMENT_COPY_CHUNK, src.byteSize() - done);
            MemorySegment piece = src.asSlice(done, n);
            Pointer host = piece.isNative() ? Pointer.to(piece.asByteBuffer())
                    : Pointer.to(piece.toArray(ValueLayout.JAVA_BYTE));
            copyIn(host, n, dstByteOffset + done);
        }
    }

    /** Copies another device buffer's bytes to the start of this one. */
    public void copyFrom(DeviceBuffer src) {
        Checks.range("device copy", 0, src.byteSize, byteSize);
        context.makeCurrent();
        Cuda.check(JCudaDriver.cuMemcpyDtoD(pointer(), src.pointer(), src.byteSize), "cuMemcpyDtoD");
    }

    /** Copies {@code bytes} bytes from host memory to the start of this buffer. */
    void copyFrom(Pointer host, long bytes) {
        copyIn(host, bytes, 0);
    }

    private void copyIn(Pointer host, long bytes, long dstByteOffset) {
        Checks.range("copy destination", dstByteOffset, bytes, byteSize);
        if (bytes == 0) {
            return;
        }
        context.makeCurrent();
        Cuda.check(JCudaDriver.cuMemcpyHtoD(pointer().plus(dstByteOffset), host, bytes), "cuMemcpyHtoD");
    }

    /** Copies the first {@code dst.length} floats of this buffer into {@code dst}. */
    public void copyTo(float[] dst) {
        copyOut(Pointer.to(dst), 4L * dst.length);
    }

    /** Copies the first {@code count} floats of this buffer into {@code dst[0 .. count)}. */
    public void copyTo(float[] dst, int count) {
        if (count < 0 || count > dst.length) {
            throw new IllegalArgumentException("cannot copy " + count + " floats into an array of " + dst.length);
        }
        copyOut(Pointer.to(dst), 4L * count);
    }

    /** Copies {@code src[0 .. count)} to the start of this buffer. */
    public void copyFrom(float[] src, int count) {
        if (count < 0 || count > src.length) {
            throw new IllegalArgumentException("cannot copy " + count + " floats from an array of " + src.length);
        }
        copyIn(Pointer.to(src), 4L * count, 0);
    }

    /** Copies {@code src[0 .. count)} to the start of this buffer. */
    public void copyFrom(int[] src, int count) {
        if (count < 0 || count > src.length) {
            throw new IllegalArgumentException("cannot copy " + count + " ints from an array of " + src.length);
        }
        copyIn(Pointer.to(src), 4L * count, 0);
    }

    /** Copies the first {@code dst.length} ints of this buffer into {@code dst}. */
    public void copyTo(int[] dst) {
        copyOut(Pointer.to(dst), 4L * dst.length);
    }

    /** Copies the first {@code dst.length} bytes of this buffer into {@code dst}. */
    public void copyTo(byte[] dst) {
        copyOut(Pointer.to(dst), dst.length);
    }

    /** The first {@code count} floats of this buffer. */
    public float[] toFloats(int count) {
        float[] out = new float[count];
        copyTo(out);
        return out;
    }

    /** The first {@code count} ints of this buffer. */
    public int[] toInts(int count) {
        int[] out = new int[count];
        copyTo(out);
        return out;
    }

    private void copyOut(Pointer host, long bytes) {
        Checks.range("copy source", 0, bytes, byteSize);
        if (bytes == 0) {
            return;
        }
        context.makeCurrent();
        Cuda.check(JCudaDriver.cuMemcpyDtoH(host, pointer(), bytes), "cuMemcpyDtoH");
    }

    /** Sets every byte to zero. */
    public void fillZero() {
        context.makeCurrent();
        Cuda.check(JCudaDriver.cuMemsetD8(pointer(), (byte) 0, byteSize), "cuMemsetD8");
    }

    /** Frees the allocation (views only become unusable with their parent). */
    @Override
    public void close() {
        if (freed) {
            return;
        }
        freed = true;
        if (parent == null) {
            context.makeCurrent();
            Cuda.check(JCudaDriver.cuMemFree(pointer), "cuMemFree");
        }
    }
}
