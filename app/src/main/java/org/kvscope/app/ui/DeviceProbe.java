package org.kvscope.app.ui;

import java.util.List;
import org.kvscope.backend.Backends;

/**
 * Which compute devices the workbench can offer; an unavailable one is shown greyed out with the
 * reason.
 */
@FunctionalInterface
public interface DeviceProbe {
    /** A device choice; {@code reason} says why an unavailable one cannot be picked (or describes an available GPU). */
    record Device(String name, boolean available, String reason) {}

    List<Device> devices();

    /** CPU only, with the GPU entry unavailable for a fixed reason (tests, screenshots). */
    static DeviceProbe cpuOnly() {
        return () -> List.of(new Device("CPU", true, ""),
                new Device("GPU", false, "GPU not probed (CPU-only run)"));
    }

    /**
     * Probes the NVIDIA driver once (never throws: a missing driver or JCuda library becomes the
     * reason). A usable GPU can be picked: capture, policies, perplexity, needles and generation
     * then run on it through the same engine as on the CPU.
     */
    static DeviceProbe cuda() {
        return () -> {
            Backends.GpuStatus gpu = Backends.gpu();
            return List.of(new Device("CPU", true, ""), gpu.available()
                    ? new Device("GPU", true, gpu.description())
                    : new Device("GPU", false, gpu.reason()));
        };
    }
}
