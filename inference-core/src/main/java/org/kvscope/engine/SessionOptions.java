package org.kvscope.engine;

import org.kvscope.backend.BackendFactory;
import org.kvscope.backend.Backends;

/**
 * How a session is set up.
 *
 * @param contextLength tokens of KV cache to allocate (at most the model's trained context)
 * @param prefillChunk  tokens per prefill forward call (matrix-matrix batch size)
 * @param backend       the device the session runs on ({@link Backends#select} or {@link Backends#cpu})
 */
public record SessionOptions(int contextLength, int prefillChunk, BackendFactory backend) {
    public SessionOptions {
        if (contextLength <= 0) {
            throw new IllegalArgumentException("context length must be positive, was " + contextLength);
        }
        if (prefillChunk <= 0) {
            throw new IllegalArgumentException("prefill chunk must be positive, was " + prefillChunk);
        }
        if (backend == null) {
            throw new IllegalArgumentException("a session needs a backend");
        }
    }

    /** On the CPU. */
    public SessionOptions(int contextLength, int prefillChunk) {
        this(contextLength, prefillChunk, Backends.cpu());
    }

    /** On the CPU, with the default prefill chunk of 256 tokens. */
    public static SessionOptions ofContext(int contextLength) {
        return ofContext(Backends.cpu(), contextLength);
    }

    /** On {@code backend}, with the default prefill chunk of 256 tokens. */
    public static SessionOptions ofContext(BackendFactory backend, int contextLength) {
        return new SessionOptions(contextLength, 256, backend);
    }
}
