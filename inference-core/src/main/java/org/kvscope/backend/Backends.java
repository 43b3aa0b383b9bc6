package org.kvscope.backend;

import java.util.function.Consumer;
import org.kvscope.backend.cpu.CpuBackend;
import org.kvscope.backend.cuda.CudaAvailability;
import org.kvscope.backend.cuda.CudaBackend;
import org.kvscope.kv.KvCacheType;

/**
 * The one place that names concrete backends: the CPU factory, the GPU probe, and the choice of
 * a device by name with its fallback. Everything above {@code backend} asks here.
 */
public final class Backends {
    private Backends() {}

    /** Whether a GPU is usable here. @param description the device, or "" when unavailable */
    public record GpuStatus(boolean available, String reason, String description) {}

    /** The CPU backend (the reference: bit-identical to the engine's results before the interface). */
    public static BackendFactory cpu() {
        return CpuBackend.FACTORY;
    }

    /**
     * Probes the NVIDIA driver once per JVM (a missing driver or JCuda native library is caught
     * there, once, and becomes the reason). Never throws.
     */
    public static GpuStatus gpu() {
        CudaAvailability p = CudaAvailability.probe();
        return new GpuStatus(p.available(), p.reason(), p.available() ? p.describe() : "");
    }

    /** The CPU backend with a {@code cacheType} KV cache. */
    public static BackendFactory cpu(KvCacheType cacheType) {
        return cacheType == KvCacheType.F32 ? cpu() : CpuBackend.factory(cacheType);
    }

    /**
     * Checks, without creating a backend, that {@code device} can run a {@code cacheType} cache here:
     * {@code cuda} needs a GPU the probe finds usable and an F32 cache; {@code auto} and {@code cpu} always can.
     *
     * @throws BackendUnavailableException with the reason, as {@link #select} gives it
     */
    public static void requireUsable(Device device, KvCacheType cacheType) {
        if (device != Device.CUDA) {
            return;
        }
        if (cacheType != KvCacheType.F32) {
            throw new BackendUnavailableException(CudaBackend.F32_ONLY + ", not " + cacheType.cliName());
        }
        GpuStatus gpu = gpu();
        if (!gpu.available()) {
            throw new BackendUnavailableException("no usable GPU: " + gpu.reason());
        }
    }

    /**
     * The factory for a device choice. {@code auto} takes the GPU when usable and otherwise the
     * CPU; {@code notice} receives one line saying which device runs and, on a fallback, why.
     *
     * @throws BackendUnavailableException for {@code cuda} when no GPU is usable, with the reason
     */
    public static BackendFactory select(Device device, Consumer<String> notice) {
        return select(device, KvCacheType.F32, notice);
    }

    /**
     * {@link #select(Device, Consumer)} with a KV cache type. The CUDA backend keeps an F32 cache
     * only: {@code auto} then runs on the CPU and says why (no GPU, or the cache type).
     *
     * @throws BackendUnavailableException for {@code cuda} when no GPU is usable or the cache type is not F32
     */
    public static BackendFactory select(Device device, KvCacheType cacheType, Consumer<String> notice) {
        if (device == Device.CPU) {
            return cpu(cacheType);
        }
        requireUsable(device, cacheType);
        if (cacheType != KvCacheType.F32) {
            GpuStatus gpu = gpu();
            notice.accept(gpu.available()
                    ? "device: CPU, not the GPU: " + CudaBackend.F32_ONLY + " and --cache-type is " + cacheType.cliName()
                    : "device: CPU (no usable GPU: " + gpu.reason() + "); KV cache " + cacheType.cliName());
            return cpu(cacheType);
        }
        GpuStatus gpu = gpu();
        String reason = gpu.reason();
        if (gpu.available()) {
            try {
                BackendFactory f = CudaBackend.factory();
                notice.accept("device: " + f.description());
                return f;
            } catch (RuntimeException | LinkageError e) {
                reason = String.valueOf(e.getMessage());
            }
        }
        if (device == Device.CUDA) {
            throw new BackendUnavailableException("no usable GPU: " + reason);
        }
        notice.accept("device: CPU (no usable GPU: " + reason + ")");
        return cpu();
    }
}
