package org.kvscope.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.kvscope.backend.BackendUnavailableException;
import org.kvscope.backend.Backends;

/** The workbench's Device box: what the probe offers, and where model work runs for each choice. */
class DeviceChoiceTest {
    @Test
    void theProbeOffersTheCpuAndTheGpuWithItsReason() {
        var devices = DeviceProbe.cuda().devices();
        assertEquals("CPU", devices.get(0).name());
        Backends.GpuStatus gpu = Backends.gpu();
        assertEquals(new DeviceProbe.Device("GPU", gpu.available(), gpu.available() ? gpu.description() : gpu.reason()),
                devices.get(1));
    }

    @Test
    void theCpuIsTheDefaultAndAGpuChoiceWithoutAGpuFailsWithTheReason() {
        Workbench w = new Workbench();
        assertSame(Backends.cpu(), w.backend());
        Backends.GpuStatus gpu = Backends.gpu();
        Assumptions.assumeFalse(gpu.available(), "a GPU is present: the refusal is not exercised here");
        w.useDevice("GPU");
        var e = assertThrows(BackendUnavailableException.class, w::backend);
        assertEquals("no usable GPU: " + gpu.reason(), e.getMessage());
        w.useDevice("CPU");
        assertSame(Backends.cpu(), w.backend());
    }
}
