package org.kvscope.model;

/** A model file uses an architecture, tensor layout or setting kvscope cannot run. */
public class UnsupportedModelException extends IllegalArgumentException {
    public UnsupportedModelException(String message) {
        super(message);
    }
}
