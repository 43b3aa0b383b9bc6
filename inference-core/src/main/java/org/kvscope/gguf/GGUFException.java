package org.kvscope.gguf;

import java.io.IOException;

/** A GGUF file is malformed or uses a format feature kvscope does not read. */
public class GGUFException extends IOException {
    /** An exception with a complete message (what is wrong, what is valid, where). */
    public GGUFException(String message) {
        super(message);
    }

    /** An exception with a complete message and the underlying cause. */
    public GGUFException(String message, Throwable cause) {
        super(message, cause);
    }

    /** An exception whose message ends with the byte offset in the file where the problem was found. */
    static GGUFException at(long offset, String message) {
        return new GGUFException(message + " (at byte offset " + offset + ")");
    }
}
