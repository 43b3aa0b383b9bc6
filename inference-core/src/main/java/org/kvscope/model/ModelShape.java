package org.kvscope.model;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Shapes of real model families, used to generate random-weight GGUF files for speed and
 * correctness work where the real weights are not available. The {@code tiny-*} shapes are for
 * tests.
 */
public enum ModelShape {
    LLAMA_3_2_1B("llama-3.2-1b", Architecture.LLAMA, 2048, 8192, 16, 32, 8, 128256, 131072, 500000f, 1e-5f, true, true),
    SMOLLM2_135M("smollm2-135m", Architecture.LLAMA, 576, 1536, 30, 9, 3, 49152, 8192, 100000f, 1e-5f, true, false),
    QWEN2_5_0_5B("qwen2.5-0.5b", Architecture.QWEN2, 896, 4864, 24, 14, 2, 151936, 32768, 1000000f, 1e-6f, true, false),
    TINY_LLAMA("tiny-llama", Architecture.LLAMA, 256, 512, 2, 4, 2, 320, 256, 10000f, 1e-5f, false, false),
    TINY_LLAMA3("tiny-llama3", Architecture.LLAMA, 256, 512, 2, 4, 1, 300, 256, 500000f, 1e-5f, true, true),
    TINY_QWEN2("tiny-qwen2", Architecture.QWEN2, 256, 512, 2, 4, 2, 300, 256, 1000000f, 1e-6f, true, false),
    /** stories260K's shape (width 64, heads of 8 dimensions): the CPU backend's scalar small-model path. */
    TINY_STORIES("tiny-stories", Architecture.LLAMA, 64, 172, 5, 8, 4, 512, 2048, 10000f, 1e-5f, false, false);

    private final String id;
    public final Architecture architecture;
    public final int dim, ffnDim, layers, heads, kvHeads, vocab, context;
    public final float ropeTheta, rmsEps;
    public final boolean tiedEmbeddings;
    /** Llama 3.1-style RoPE frequency scaling (written as rope_freqs.weight). */
    public final boolean llama3RopeScaling;

    ModelShape(String id, Architecture arch, int dim, int ffnDim, int layers, int heads, int kvHeads, int vocab,
               int context, float ropeTheta, float rmsEps, boolean tied, boolean llama3Rope) {
        this.id = id;
        this.architecture = arch;
        this.dim = dim;
        this.ffnDim = ffnDim;
        this.layers = layers;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.vocab = vocab;
        this.context = context;
        this.ropeTheta = ropeTheta;
        this.rmsEps = rmsEps;
        this.tiedEmbeddings = tied;
        this.llama3RopeScaling = llama3Rope;
    }

    public String id() { return id; }

    public int headDim() { return dim / heads; }

    public static ModelShape fromId(String id) {
        for (ModelShape s : values()) {
            if (s.id.equals(id)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown --shape '" + id + "'; valid: "
                + Arrays.stream(values()).map(ModelShape::id).collect(Collectors.joining(", ")));
    }
}
