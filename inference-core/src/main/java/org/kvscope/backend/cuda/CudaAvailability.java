package org.kvscope.backend.cuda;

import jcuda.CudaException;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

import java.nio.charset.StandardCharsets;

/**
 * Whether kvscope can run on an NVIDIA GPU here, and which one (device 0).
 *
 * @param available   true when the driver loads, a device exists and its compute capability is 7.5 or higher
 * @param reason      why CUDA is unavailable, or "ok"
 * @param deviceName  the device's name, or "" when unavailable
 * @param totalMemory device memory in bytes, or 0
 * @param ccMajor     compute capability major version, or 0
 * @param ccMinor     compute capability minor version, or 0
 */
public record CudaAvailability(boolean available, String reason, String deviceName, long totalMemory,
                               int ccMajor, int ccMinor) {

    /** Oldest compute capability the shipped kernels are built for (sm_75). */
    public static final int MIN_CC_MAJOR = 7;
    /** Minor part of {@link #MIN_CC_MAJOR}. */
    public static final int MIN_CC_MINOR = 5;

    /**
     * Probes the driver once per JVM and caches the answer. Never throws: a missing driver
     * (the first JCuda touch throws UnsatisfiedLinkError, later ones NoClassDefFoundError) or a CUDA
     * error becomes {@code available=false} with a reason.
     */
    public static CudaAvailability probe() {
        return Holder.RESULT;
    }

    /** "NVIDIA H100 (sm_90, 79.1 GiB)" or "CUDA unavailable: reason". */
    public String describe() {
        if (!available) {
            return "CUDA unavailable: " + reason;
        }
        return String.format(java.util.Locale.ROOT, "%s (sm_%d%d, %.1f GiB)", deviceName, ccMajor, ccMinor,
                totalMemory / (1024.0 * 1024 * 1024));
    }

    static CudaAvailability unavailable(String reason) {
        return new CudaAvailability(false, reason, "", 0, 0, 0);
    }

    private static final class Holder {
        static final CudaAvailability RESULT = probeOnce();
    }

    private static CudaAvailability probeOnce() {
        try {
            return probeDriver();
        } catch (LinkageError e) {
            return unavailable(linkageReason(e));
        } catch (CudaException e) {
            return unavailable("CUDA error while probing: " + e.getMessage());
        } catch (RuntimeException e) {
            return unavailable("CUDA probe failed: " + e);
        }
    }

    /** Reason text for a JCuda native library that failed to load. */
    static String linkageReason(LinkageError e) {
        String message = String.valueOf(e.getMessage());
        if (message.contains("libcuda")) {
            return "no NVIDIA driver (libcuda.so.1 not found)";
        }
        String firstLine = message.lines().findFirst().orElse(message);
        return "JCuda native library could not be loaded (" + e.getClass().getSimpleName() + ": " + firstLine + ")";
    }

    private static CudaAvailability probeDriver() {
        int result = JCudaDriver.cuInit(0);
        if (result == CUresult.CUDA_ERROR_NO_DEVICE) {
            return unavailable("no CUDA device");
        }
        if (result == CUresult.CUDA_ERROR_STUB_LIBRARY) {
            return unavailable("no NVIDIA driver (only the CUDA stub libcuda.so is installed)");
        }
        if (result == CUresult.CUDA_ERROR_SYSTEM_DRIVER_MISMATCH) {
            return unavailable("NVIDIA kernel driver and libcuda.so versions do not match");
        }
        if (result != CUresult.CUDA_SUCCESS) {
            return unavailable("cuInit failed: " + CUresult.stringFor(result));
        }
        int[] count = new int[1];
        result = JCudaDriver.cuDeviceGetCount(count);
        if (result != CUresult.CUDA_SUCCESS || count[0] == 0) {
            return unavailable("no CUDA device");
        }
        CUdevice device = new CUdevice();
        Cuda.check(JCudaDriver.cuDeviceGet(device, 0), "cuDeviceGet");
        byte[] name = new byte[256];
        Cuda.check(JCudaDriver.cuDeviceGetName(name, name.length, device), "cuDeviceGetName");
        long[] memory = new long[1];
        Cuda.check(JCudaDriver.cuDeviceTotalMem(memory, device), "cuDeviceTotalMem");
        int major = Cuda.attribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        int minor = Cuda.attribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        String deviceName = cString(name);
        if (major < MIN_CC_MAJOR || (major == MIN_CC_MAJOR && minor < MIN_CC_MINOR)) {
            return new CudaAvailability(false, "GPU " + deviceName + " has compute capability " + major + "." + minor
                    + "; kvscope's kernels need 7.5 or newer", deviceName, memory[0], major, minor);
        }
        return new CudaAvailability(true, "ok", deviceName, memory[0], major, minor);
    }

    private static String cString(byte[] bytes) {
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8);
    }
}
