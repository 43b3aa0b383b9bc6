package org.kvscope.tensor;

import org.kvscope.gguf.GGMLType;

/** A tensor type kvscope has no kernels for; the message lists the supported ones. */
public class UnsupportedTensorTypeException extends IllegalArgumentException {
    public UnsupportedTensorTypeException(GGMLType type) {
        super("tensor type " + type + " is not supported; supported: " + GGMLType.supportedNames());
    }
}
