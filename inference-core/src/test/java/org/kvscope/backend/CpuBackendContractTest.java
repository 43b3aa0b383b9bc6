package org.kvscope.backend;

/** The backend contract on the CPU (always runs). */
class CpuBackendContractTest extends BackendContract {
    @Override
    protected BackendFactory factory() {
        return Backends.cpu();
    }
}
