package org.kvscope.engine;

/**
 * How a session is set up.
 *
 * @param contextLength tokens of KV cache to allocate (at most the model's trained context)
 * @param prefillChunk  tokens per prefill forward call (matrix-matrix batch size)
 */
public record SessionOptions(int contextLength, int prefillChunk) {
    public SessionOptions {
        if (contextLength <= 0) {
            throw new IllegalArgumentException("context length must be positive, was " + contextLength);
        }
        if (prefillChunk <= 0) {
            throw new IllegalArgumentException("prefill chunk must be positive, was " + prefillChunk);
        }
    }

    public static SessionOptions ofContext(int contextLength) {
        return new SessionOptions(contextLength, 256);
    }
}
