package org.kvscope.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.kvscope.backend.BackendUnavailableException;
import org.kvscope.backend.Backends;
import org.kvscope.kv.KvCacheType;

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

    @Test
    void theGpuGoesWithAnF32CacheOnlyAndOtherwiseNothingRunsSilentlyOnTheCpu() {
        for (KvCacheType t : KvCacheType.values()) {
            assertNull(Workbench.deviceConflict("CPU", t), t.cliName());
        }
        assertNull(Workbench.deviceConflict("GPU", KvCacheType.F32));
        assertEquals("the GPU keeps an f32 KV cache only, so KV cache q8_0 cannot run on it; valid: the GPU with f32,"
                + " or the CPU with f32, f16, q8_0 or q4_0", Workbench.deviceConflict("GPU", KvCacheType.Q8_0));
        Workbench w = new Workbench();
        w.useDevice("GPU");
        w.useCacheType(KvCacheType.Q4_0);
        var e = assertThrows(IllegalStateException.class, w::backend);
        assertEquals(Workbench.deviceConflict("GPU", KvCacheType.Q4_0), e.getMessage());
        w.useDevice("CPU");
        org.junit.jupiter.api.Assertions.assertNotNull(w.backend(), "q4_0 runs on the CPU");
    }
}
