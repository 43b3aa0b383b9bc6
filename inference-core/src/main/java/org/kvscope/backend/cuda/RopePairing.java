package org.kvscope.backend.cuda;

/** Which dimensions rotary embedding turns together. */
public enum RopePairing {
    /** Pairs (2i, 2i+1): the "norm" layout of llama GGUFs. */
    INTERLEAVED,
    /** Pairs (i, i + rotDim/2): the "neox" layout used by qwen2. */
    NEOX
}
