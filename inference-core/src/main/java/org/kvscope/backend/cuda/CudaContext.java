package org.kvscope.backend.cuda;

import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The primary CUDA context of one device with kvscope's kernel module loaded from the bundled
 * fatbin ({@value #FATBIN_RESOURCE}, loaded with cuModuleLoadData). Every operation makes the
 * context current on the calling thread first, so a context can be used from any thread.
 */
public final class CudaContext implements AutoCloseable {
    /** Class-path resource (next to this class) holding the compiled kernels. */
    public static final String FATBIN_RESOURCE = "kvscope.fatbin";

    private final CudaAvailability device;
    private final CUdevice cuDevice;
    private final CUcontext context;
    private final CUmodule module;
    private final Map<String, CUfunction> functions = new ConcurrentHashMap<>();
    private final CudaStream defaultStream;
    private volatile boolean closed;

    private CudaContext(CudaAvailability device, CUdevice cuDevice, CUcontext context, CUmodule module) {
        this.device = device;
        this.cuDevice = cuDevice;
        this.context = context;
        this.module = module;
        this.defaultStream = new CudaStream(this, null, false);
    }

    /**
     * Opens device 0.
     *
     * @throws CudaBackendException when {@link CudaAvailability#probe()} says CUDA is unavailable
     *                              (the message carries its reason) or the module cannot be loaded
     */
    public static CudaContext create() {
        CudaAvailability availability = CudaAvailability.probe();
        if (!availability.available()) {
            throw new CudaBackendException("CUDA backend unavailable: " + availability.reason());
        }
        CUdevice dev = new CUdevice();
        Cuda.check(JCudaDriver.cuDeviceGet(dev, 0), "cuDeviceGet");
        CUcontext ctx = new CUcontext();
        Cuda.check(JCudaDriver.cuDevicePrimaryCtxRetain(ctx, dev), "cuDevicePrimaryCtxRetain");
        try {
            Cuda.check(JCudaDriver.cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
            CUmodule module = new CUmodule();
            int result = JCudaDriver.cuModuleLoadData(module, fatbin());
            if (result != CUresult.CUDA_SUCCESS) {
                throw new CudaBackendException("cannot load " + FATBIN_RESOURCE + " on " + availability.describe()
                        + ": " + CUresult.stringFor(result) + " (the fatbin holds SASS for sm_75/80/86/89/90 and "
                        + "PTX for compute_90; rebuild it with scripts/cuda/build-fatbin.sh, or update the driver)");
            }
            return new CudaContext(availability, dev, ctx, module);
        } catch (RuntimeException e) {
            JCudaDriver.cuDevicePrimaryCtxRelease(dev);
            throw e;
        }
    }

    static byte[] fatbin() {
        try (InputStream in = CudaContext.class.getResourceAsStream(FATBIN_RESOURCE)) {
            if (in == null) {
                throw new CudaBackendException("resource " + FATBIN_RESOURCE + " is missing next to "
                        + CudaContext.class.getName() + "; run scripts/cuda/build-fatbin.sh");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + FATBIN_RESOURCE, e);
        }
    }

    /** The device this context runs on. */
    public CudaAvailability device() {
        return device;
    }

    /** Makes this context current on the calling thread. */
    public void makeCurrent() {
        if (closed) {
            throw new IllegalStateException("CUDA context is closed");
        }
        Cuda.check(JCudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent");
    }

    /** The kernel called {@code name} (an extern "C" function of the fatbin). */
    CUfunction function(String name) {
        return functions.computeIfAbsent(name, n -> {
            makeCurrent();
            CUfunction f = new CUfunction();
            int result = JCudaDriver.cuModuleGetFunction(f, module, n);
            if (result != CUresult.CUDA_SUCCESS) {
                throw new CudaBackendException("kernel " + n + " not found in " + FATBIN_RESOURCE + ": "
                        + CUresult.stringFor(result));
            }
            return f;
        });
    }

    /** The legacy default stream (synchronises with all blocking streams). */
    public CudaStream defaultStream() {
        return defaultStream;
    }

    /** A new blocking stream; close it when done. */
    public CudaStream newStream() {
        makeCurrent();
        CUstream stream = new CUstream();
        Cuda.check(JCudaDriver.cuStreamCreate(stream, 0), "cuStreamCreate");
        return new CudaStream(this, stream, true);
    }

    /** Waits for all work on the device; reports kernel faults. */
    public void synchronize() {
        makeCurrent();
        Cuda.check(JCudaDriver.cuCtxSynchronize(), "cuCtxSynchronize");
    }

    /** Free and total device memory in bytes. */
    public MemoryInfo memoryInfo() {
        makeCurrent();
        long[] free = new long[1];
        long[] total = new long[1];
        Cuda.check(JCudaDriver.cuMemGetInfo(free, total), "cuMemGetInfo");
        return new MemoryInfo(free[0], total[0]);
    }

    /** Allocates {@code byteSize} bytes of device memory (contents undefined). */
    public DeviceBuffer allocate(long byteSize) {
        return DeviceBuffer.allocate(this, byteSize);
    }

    /** A new buffer holding a copy of {@code data}. */
    public DeviceBuffer upload(float[] data) {
        DeviceBuffer buffer = allocate(4L * Math.max(1, data.length));
        buffer.copyFrom(data);
        return buffer;
    }

    /** A new buffer holding a copy of {@code data}. */
    public DeviceBuffer upload(int[] data) {
        DeviceBuffer buffer = allocate(4L * Math.max(1, data.length));
        buffer.copyFrom(data);
        return buffer;
    }

    /** A new buffer holding a copy of {@code data}. */
    public DeviceBuffer upload(byte[] data) {
        DeviceBuffer buffer = allocate(Math.max(1, data.length));
        buffer.copyFrom(data);
        return buffer;
    }

    /** Unloads the module and releases the primary context. Buffers must be closed before. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        makeCurrent();
        JCudaDriver.cuCtxSynchronize();
        JCudaDriver.cuModuleUnload(module);
        closed = true;
        JCudaDriver.cuDevicePrimaryCtxRelease(cuDevice);
    }

    /** Free and total device memory in bytes. */
    public record MemoryInfo(long freeBytes, long totalBytes) {}
}
