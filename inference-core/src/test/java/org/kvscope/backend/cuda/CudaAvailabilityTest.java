package org.kvscope.backend.cuda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CudaAvailabilityTest {

    @Test
    void probeNeverThrowsAndIsCached() {
        CudaAvailability first = CudaAvailability.probe();
        assertSame(first, CudaAvailability.probe(), "probe() caches its answer");
        assertFalse(first.reason().isBlank());
        if (first.available()) {
            assertEquals("ok", first.reason());
            assertFalse(first.deviceName().isBlank());
            assertTrue(first.totalMemory() > 0);
            assertTrue(first.ccMajor() * 10 + first.ccMinor() >= 75);
        } else {
            assertEquals("", first.deviceName());
            assertTrue(first.describe().startsWith("CUDA unavailable: "), first.describe());
        }
    }

    @Test
    void contextCreationWithoutCudaNamesTheReason() {
        CudaAvailability probe = CudaAvailability.probe();
        if (probe.available()) {
            try (CudaContext context = CudaContext.create()) {
                assertEquals(probe, context.device());
            }
        } else {
            CudaBackendException e = assertThrows(CudaBackendException.class, CudaContext::create);
            assertTrue(e.getMessage().contains(probe.reason()), e.getMessage());
        }
    }

    @Test
    void missingDriverLibraryGetsAPlainReason() {
        var error = new UnsatisfiedLinkError("/tmp/libJCudaDriver-12.6.0-linux-x86_64.so: libcuda.so.1: "
                + "cannot open shared object file: No such file or directory");
        assertEquals("no NVIDIA driver (libcuda.so.1 not found)", CudaAvailability.linkageReason(error));
        String other = CudaAvailability.linkageReason(new NoClassDefFoundError("jcuda/driver/JCudaDriver\nmore"));
        assertEquals("JCuda native library could not be loaded (NoClassDefFoundError: jcuda/driver/JCudaDriver)", other);
    }

    @Test
    void outOfMemoryMessageGivesSizesInMiB() {
        var e = new CudaOutOfMemoryException(3L << 30, 512L << 20, 80L << 30);
        assertEquals("CUDA out of memory allocating 3072.0 MiB; free 512.0 of 81920.0 MiB", e.getMessage());
        assertEquals(3L << 30, e.requestedBytes());
    }
}
