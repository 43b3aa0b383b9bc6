package org.kvscope.backend;

import org.kvscope.tensor.ExactKernels;

/**
 * The backend contract on the CPU (always runs).
 * The contract's tolerances are the exact float kernels' (the native ones round decode inputs to 8 bits; ForwardParityTest bounds them).
 */
@ExactKernels
class CpuBackendContractTest extends BackendContract {
    @Override
    protected BackendFactory factory() {
        return Backends.cpu();
    }
}
