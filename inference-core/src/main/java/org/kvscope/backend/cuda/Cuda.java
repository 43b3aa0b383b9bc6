package org.kvscope.backend.cuda;

import jcuda.driver.CUdevice;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/** Checks driver return codes. Only used after {@link CudaAvailability#probe()} said CUDA is available. */
final class Cuda {
    private Cuda() {}

    /** Throws a {@link CudaBackendException} naming the call when {@code result} is not CUDA_SUCCESS. */
    static void check(int result, String call) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw new CudaBackendException(call + " failed: " + CUresult.stringFor(result));
        }
    }

    static int attribute(CUdevice device, int attribute) {
        int[] value = new int[1];
        check(JCudaDriver.cuDeviceGetAttribute(value, attribute, device), "cuDeviceGetAttribute");
        return value[0];
    }
}
