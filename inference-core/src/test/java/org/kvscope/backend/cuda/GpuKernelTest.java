package org.kvscope.backend.cuda;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Kernel tests on a GPU: one context per test class, skipped cleanly where no GPU is usable. */
abstract class GpuKernelTest {
    static CudaContext context;
    static CudaKernels kernels;

    @BeforeAll
    static void open() {
        context = GpuTestSupport.openOrSkip();
        kernels = new CudaKernels(context);
    }

    @AfterAll
    static void close() {
        if (context != null) {
            context.close();
            context = null;
        }
    }
}
