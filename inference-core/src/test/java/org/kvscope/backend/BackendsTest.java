package org.kvscope.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Device choice by name and the fallback when no GPU is usable. */
class BackendsTest {
    @Test
    void devicesParseByNameAndBadNamesSayWhatIsValid() {
        assertEquals(Device.AUTO, Device.parse("auto"));
        assertEquals(Device.CUDA, Device.parse(" CUDA "));
        var e = assertThrows(IllegalArgumentException.class, () -> Device.parse("tpu"));
        assertEquals("device must be auto, cpu or cuda, was 'tpu'", e.getMessage());
    }

    @Test
    void cpuIsAlwaysAvailableAndSaysNothing() {
        List<String> notices = new ArrayList<>();
        assertSame(Backends.cpu(), Backends.select(Device.CPU, notices::add));
        assertEquals(List.of(), notices);
        assertEquals("cpu", Backends.cpu().device());
    }

    @Test
    void withoutAGpuAutoFallsBackWithTheReasonAndCudaRefuses() {
        Backends.GpuStatus gpu = Backends.gpu();
        Assumptions.assumeFalse(gpu.available(), "a GPU is present: the fallback is not exercised here");
        assertTrue(!gpu.reason().isBlank(), "the probe gives a reason");
        List<String> notices = new ArrayList<>();
        assertSame(Backends.cpu(), Backends.select(Device.AUTO, notices::add));
        assertEquals(List.of("device: CPU (no usable GPU: " + gpu.reason() + ")"), notices);
        var e = assertThrows(BackendUnavailableException.class, () -> Backends.select(Device.CUDA, notices::add));
        assertEquals("no usable GPU: " + gpu.reason(), e.getMessage());
    }
}
