package org.kvscope.backend.cuda;

/** A CUDA driver call failed or the CUDA backend was used in a way it cannot support. */
public class CudaBackendException extends RuntimeException {
    /** An exception with this message. */
    public CudaBackendException(String message) {
        super(message);
    }

    /** An exception with this message and cause. */
    public CudaBackendException(String message, Throwable cause) {
        super(message, cause);
    }
}
