package org.kvscope.gguf;

import java.io.IOException;

/** A file that is not a valid GGUF file; the message says what is wrong and where. */
public class GGUFException extends IOException {
    public GGUFException(String message) {
        super(message);
    }
}
