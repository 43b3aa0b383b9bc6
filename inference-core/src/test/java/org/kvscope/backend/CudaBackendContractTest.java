package org.kvscope.backend;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

/** The backend contract on the GPU; skips with the probe's reason where no GPU is usable. */
class CudaBackendContractTest extends BackendContract {
    static BackendFactory cuda;

    @BeforeAll
    static void openDevice() {
        Backends.GpuStatus gpu = Backends.gpu();
        Assumptions.assumeTrue(gpu.available(), "no usable GPU: " + gpu.reason());
        cuda = Backends.select(Device.CUDA, line -> {});
    }

    @AfterAll
    static void closeDevice() {
        if (cuda != null) {
            cuda.close();
        }
    }

    @Override
    protected BackendFactory factory() {
        return cuda;
    }
}
