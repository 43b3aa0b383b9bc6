package org.kvscope.engine;

/** More tokens were run than the session's context holds. */
public class ContextOverflowException extends IllegalArgumentException {
    public ContextOverflowException(int position, int adding, int context) {
        super("context full: " + position + " tokens so far + " + adding + " new exceeds the session's context of "
                + context + " tokens; use a shorter prompt or a larger --context");
    }
}
