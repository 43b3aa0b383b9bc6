package org.kvscope.app.ui;

import java.util.List;
import org.kvscope.backend.cuda.CudaAvailability;

/**
 * Which compute devices the workbench can offer; an unavailable one is shown greyed out with the
 * reason.
 */
@FunctionalInterface
public interface DeviceProbe {
    /** A device choice; {@code reason} says why an unavailable one cannot be picked. */
    record Device(String name, boolean available, String reason) {}

    List<Device> devices();

    /** CPU only, with the GPU entry unavailable for a fixed reason (tests, screenshots). */
    static DeviceProbe cpuOnly() {
        return () -> List.of(new Device("CPU", true, ""),
                new Device("GPU", false, "GPU not probed (CPU-only run)"));
    }

    /**
     * Probes the NVIDIA driver once (never throws). The workbench's live analysis (attention
     * capture, policies, metrics) runs on the CPU engine, so even a present GPU is shown with the
     * reason it is not selectable here; GPU decoding runs through {@code CudaForward}.
     */
    static DeviceProbe cuda() {
        return () -> {
            CudaAvailability probe = CudaAvailability.probe();
            String reason = probe.available()
                    ? probe.deviceName() + " found, but the workbench's attention capture and policies run on the CPU engine"
                    : probe.reason();
            return List.of(new Device("CPU", true, ""), new Device("GPU", false, reason));
        };
    }
}
