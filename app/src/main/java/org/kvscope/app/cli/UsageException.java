package org.kvscope.app.cli;

/** A command line that cannot be run as given; its message says what to change. */
public class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
