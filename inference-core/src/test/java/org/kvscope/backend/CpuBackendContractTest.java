package org.kvscope.backend;

/** The backend contract on the CPU (always runs). */
class CpuBackendContractTest extends BackendContract {
    /** The contract's tolerances are the exact float kernels' (the native ones round decode inputs to 8 bits; ForwardParityTest bounds them). */
    @org.junit.jupiter.api.BeforeAll
    static void exactKernels() {
        org.kvscope.tensor.NativeKernels.use("java");
    }

    @org.junit.jupiter.api.AfterAll
    static void defaultKernels() {
        org.kvscope.tensor.NativeKernels.use("native");
    }

    @Override
    protected BackendFactory factory() {
        return Backends.cpu();
    }
}
