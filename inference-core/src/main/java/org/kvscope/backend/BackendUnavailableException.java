package org.kvscope.backend;

/** The requested device cannot run models here; the message is one line saying why. */
public class BackendUnavailableException extends RuntimeException {
    public BackendUnavailableException(String message) {
        super(message);
    }
}
