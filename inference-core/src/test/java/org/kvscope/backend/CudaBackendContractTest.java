package org.kvscope.backend;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.kvscope.tensor.ExactKernels;

/**
 * The backend contract on the GPU; skips with the probe's reason where no GPU is usable. The CPU results it
 * is held to come from the exact float kernels: the GPU multiplies quantized weights by float inputs, while
 * the CPU's default native kernels round the inputs to 8 bits (on an H200, 2026-12-04, that alone put the
 * policies' logits 1% apart).
 */
@ExactKernels
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
