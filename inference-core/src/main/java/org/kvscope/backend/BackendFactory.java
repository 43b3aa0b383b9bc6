package org.kvscope.backend;

import org.kvscope.kv.KvCacheType;
import org.kvscope.model.Model;

/**
 * Opens {@link ForwardBackend}s on one device, one per session. A device factory may keep
 * per-model state between sessions (a GPU factory keeps the weights it uploaded), so close it
 * when done; closing the CPU factory does nothing.
 */
public interface BackendFactory extends AutoCloseable {

    /** The device kind: "cpu" or "cuda". */
    String device();

    /** What runs the model, e.g. "CPU" or "NVIDIA H100 (sm_90, 79.1 GiB)". */
    String description();

    /** How the sessions' KV caches store keys and values. */
    default KvCacheType cacheType() { return KvCacheType.F32; }

    /**
     * A backend with an empty KV cache of {@code contextLength} positions per (layer, kv-head).
     *
     * @throws IllegalArgumentException when the model cannot run on this device (the message says why)
     */
    ForwardBackend open(Model model, int contextLength);

    /** Frees what the factory keeps across sessions. */
    @Override
    default void close() {}
}
