package org.kvscope.app.ui;

import java.util.List;

/**
 * Which compute devices the workbench can offer. The lead wires the CUDA probe in here; until then
 * {@link #cpuOnly()} offers the CPU and shows the GPU greyed out with its reason.
 */
@FunctionalInterface
public interface DeviceProbe {
    /** A device choice; {@code reason} says why an unavailable one cannot be picked. */
    record Device(String name, boolean available, String reason) {}

    List<Device> devices();

    /** CPU only: the GPU entry is present but unavailable. */
    static DeviceProbe cpuOnly() {
        return () -> List.of(new Device("CPU", true, ""),
                new Device("GPU", false, "CUDA backend not available in this build"));
    }
}
