package org.kvscope.model;

/** How rotary embeddings pair up the dimensions of a head. */
public enum RopeLayout {
    /** Pairs (2i, 2i+1): ggml's "normal" mode, used by llama GGUFs (converters permute Q/K to it). */
    INTERLEAVED,
    /** Pairs (i, i + d/2): "rotate half", ggml's NeoX mode, used by qwen2 GGUFs. */
    NEOX
}
