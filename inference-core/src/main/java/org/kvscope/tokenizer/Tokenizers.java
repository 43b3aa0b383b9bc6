package org.kvscope.tokenizer;

import java.util.Map;

/** Builds tokenizers from the data that describes them. */
public final class Tokenizers {
    private Tokenizers() {}

    /** From GGUF {@code tokenizer.ggml.*} metadata (Java values as {@code GGUFMetadata} maps them). */
    public static Tokenizer fromGGUFMetadata(Map<String, Object> md) {
        Object model = md.get("tokenizer.ggml.model");
        if (!(model instanceof String name)) {
            throw new IllegalArgumentException("tokenizer.ggml.model is missing; the file carries no tokenizer");
        }
        if (!(md.get("tokenizer.ggml.tokens") instanceof String[] tokens)) {
            throw new IllegalArgumentException("tokenizer.ggml.tokens is missing or not a string array");
        }
        TokenizerSpec spec = new TokenizerSpec(name, (String) md.get("tokenizer.ggml.pre"), tokens,
                md.get("tokenizer.ggml.scores") instanceof float[] f ? f : null,
                md.get("tokenizer.ggml.token_type") instanceof int[] t ? t : null,
                md.get("tokenizer.ggml.merges") instanceof String[] m ? m : null,
                id(md, "tokenizer.ggml.bos_token_id"), id(md, "tokenizer.ggml.eos_token_id"),
                id(md, "tokenizer.ggml.unknown_token_id"),
                bool(md, "tokenizer.ggml.add_bos_token", name.equals("llama")),
                bool(md, "tokenizer.ggml.add_eos_token", false));
        return fromSpec(spec, bool(md, "tokenizer.ggml.add_space_prefix", true));
    }

    public static Tokenizer fromSpec(TokenizerSpec spec) {
        return fromSpec(spec, true);
    }

    private static Tokenizer fromSpec(TokenizerSpec spec, boolean addSpacePrefix) {
        return switch (spec.model()) {
            case "llama" -> new SentencePieceTokenizer(spec, addSpacePrefix);
            default -> throw new IllegalArgumentException("tokenizer model '" + spec.model()
                    + "' is not supported; supported: llama");
        };
    }

    private static int id(Map<String, Object> md, String key) {
        return md.get(key) instanceof Number n ? n.intValue() : -1;
    }

    private static boolean bool(Map<String, Object> md, String key, boolean fallback) {
        return md.get(key) instanceof Boolean b ? b : fallback;
    }
}
