package org.kvscope.model;

import java.util.Arrays;
import java.util.stream.Collectors;
import org.kvscope.gguf.PrintableText;

/**
 * The decoder architectures kvscope runs, keyed by GGUF {@code general.architecture}.
 * They differ only in RoPE layout and in whether Q/K/V projections carry a bias.
 */
public enum Architecture {
    /** Llama 2/3/3.1/3.2, TinyLlama, SmolLM/SmolLM2, Mistral: interleaved RoPE pairs, no QKV bias. */
    LLAMA("llama", RopeLayout.INTERLEAVED, false),
    /** Qwen2/Qwen2.5: rotate-half (NeoX) RoPE and a bias on Q, K and V. */
    QWEN2("qwen2", RopeLayout.NEOX, true);

    private final String ggufName;
    private final RopeLayout ropeLayout;
    private final boolean qkvBias;

    Architecture(String ggufName, RopeLayout ropeLayout, boolean qkvBias) {
        this.ggufName = ggufName;
        this.ropeLayout = ropeLayout;
        this.qkvBias = qkvBias;
    }

    /** Name used in {@code general.architecture} and as the metadata key prefix. */
    public String ggufName() { return ggufName; }

    /** RoPE layout that llama.cpp's converters write for this architecture. */
    public RopeLayout ropeLayout() { return ropeLayout; }

    /** True when attn_q/k/v carry a bias. */
    public boolean hasQkvBias() { return qkvBias; }

    /** Architecture for a GGUF name; the error lists what is supported. */
    public static Architecture fromGGUF(String name) {
        for (Architecture a : values()) {
            if (a.ggufName.equals(name)) {
                return a;
            }
        }
        throw new UnsupportedModelException("architecture " + PrintableText.quote(name) + " is not supported; supported: "
                + Arrays.stream(values()).map(Architecture::ggufName).collect(Collectors.joining(", ")));
    }
}
