package org.kvscope.backend.cuda;

import jcuda.driver.CUdeviceptr;

/** A JCuda device pointer that can also tell its raw address (needed for on-device pointer tables). */
final class DevicePointer extends CUdeviceptr {
    DevicePointer() {
        super();
    }

    private DevicePointer(DevicePointer base, long byteOffset) {
        super(base, byteOffset);
    }

    /** This pointer moved forward by {@code byteOffset} bytes. */
    DevicePointer plus(long byteOffset) {
        return new DevicePointer(this, byteOffset);
    }

    /** The device address this pointer stands for. */
    long address() {
        return getNativePointer() + getByteOffset();
    }
}
