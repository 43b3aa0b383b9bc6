package org.kvscope.tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.kvscope.gguf.PrintableText;

/** Factories for {@link Tokenizer}s from GGUF metadata, specs and tokenizer files. */
public final class Tokenizers {
    private Tokenizers() {}

    /**
     * A tokenizer from GGUF {@code tokenizer.ggml.*} metadata. {@code tokenizer.ggml.model} selects the kind:
     * {@code "llama"} → SentencePiece BPE, {@code "gpt2"} → byte-level BPE with the pre-tokenizer named by
     * {@code tokenizer.ggml.pre}.
     *
     * @throws IllegalArgumentException for an unsupported model or missing/ill-typed keys
     */
    public static Tokenizer fromGGUFMetadata(Map<String, Object> md) {
        String model = MetadataValues.string(md, GGUFTokenizerKeys.MODEL, true);
        if (!model.equals(TokenizerSpec.LLAMA) && !model.equals(TokenizerSpec.GPT2)) {
            throw new IllegalArgumentException("unsupported tokenizer model " + PrintableText.quote(model) + " in " + GGUFTokenizerKeys.MODEL
                    + "; supported: \"llama\", \"gpt2\"");
        }
        boolean llama = model.equals(TokenizerSpec.LLAMA);
        String pre = MetadataValues.string(md, GGUFTokenizerKeys.PRE, false);
        String[] tokens = MetadataValues.strings(md, GGUFTokenizerKeys.TOKENS, true);
        float[] scores = MetadataValues.floats(md, GGUFTokenizerKeys.SCORES);
        int[] types = MetadataValues.ints(md, GGUFTokenizerKeys.TOKEN_TYPE);
        String[] merges = MetadataValues.strings(md, GGUFTokenizerKeys.MERGES, !llama);
        boolean addBos = MetadataValues.flag(md, GGUFTokenizerKeys.ADD_BOS, llama || PreTokenizer.ignoresMerges(pre));
        boolean addEos = MetadataValues.flag(md, GGUFTokenizerKeys.ADD_EOS, false);
        TokenizerSpec spec = new TokenizerSpec(model, pre, tokens, scores, types, llama ? null : merges,
                validId(md, GGUFTokenizerKeys.BOS_ID, tokens.length),
                validId(md, GGUFTokenizerKeys.EOS_ID, tokens.length),
                validId(md, GGUFTokenizerKeys.UNK_ID, tokens.length), addBos, addEos);
        if (llama) {
            return new SentencePieceTokenizer(spec, MetadataValues.flag(md, GGUFTokenizerKeys.ADD_SPACE_PREFIX, true));
        }
        return new ByteLevelBpeTokenizer(spec);
    }

    private static int validId(Map<String, Object> md, String key, int vocabSize) {
        int id = MetadataValues.tokenId(md, key);
        if (id >= vocabSize) {
            throw new IllegalArgumentException(key + " = " + id + " is outside the vocabulary (0.." + (vocabSize - 1) + ")");
        }
        return id;
    }

    /** A tokenizer for a spec ({@code "llama"} → SentencePiece BPE, {@code "gpt2"} → byte-level BPE). */
    public static Tokenizer fromSpec(TokenizerSpec spec) {
        return switch (spec.model()) {
            case TokenizerSpec.LLAMA -> new SentencePieceTokenizer(spec, true);
            case TokenizerSpec.GPT2 -> new ByteLevelBpeTokenizer(spec);
            default -> throw new IllegalArgumentException("unsupported tokenizer model '" + spec.model()
                    + "'; supported: \"llama\", \"gpt2\"");
        };
    }

    /**
     * A SentencePiece tokenizer from a llama2.c {@code tokenizer.bin} (int32 max_token_length, then per token
     * float32 score, int32 length, bytes). BOS is 1, EOS 2, unknown 0; BOS is added by {@code encodeWithSpecials}.
     *
     * @throws IllegalArgumentException if the file is truncated or malformed
     */
    public static Tokenizer fromLlama2cBin(Path tokBin) throws IOException {
        return new SentencePieceTokenizer(Llama2cTokenizerFile.read(tokBin), true);
    }

    /**
     * A SentencePiece tokenizer from a {@code tokenizer.model} (SentencePiece ModelProto protobuf).
     *
     * @throws IllegalArgumentException if the protobuf is corrupt or has no pieces
     */
    public static Tokenizer fromSentencePieceModel(Path modelFile) throws IOException {
        SentencePieceModelFile model = SentencePieceModelFile.read(modelFile);
        return new SentencePieceTokenizer(model.spec(), model.addDummyPrefix());
    }

    /**
     * A byte-level BPE tokenizer from a Hugging Face {@code tokenizer.json} (BPE model with ByteLevel
     * pre-tokenization). BOS/EOS ids come from a sibling {@code config.json} ({@code X.tokenizer.json} →
     * {@code X.config.json}, or {@code config.json} in the same folder) when present.
     *
     * @throws IllegalArgumentException if the JSON is malformed or describes an unsupported tokenizer
     */
    public static Tokenizer fromHuggingFaceJson(Path tokenizerJson) throws IOException {
        return new ByteLevelBpeTokenizer(HuggingFaceTokenizerFile.read(tokenizerJson));
    }
}
