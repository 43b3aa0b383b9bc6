package org.kvscope.backend;

/** Receives the logits of one batch row; the array is reused after the call returns. */
@FunctionalInterface
public interface LogitsSink {
    /**
     * @param row    index of the row in the batch that was run (its token)
     * @param logits holds the row's vocabulary-size logits from {@code offset}
     */
    void accept(int row, float[] logits, int offset);
}
