package org.kvscope.tokenizer;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.kvscope.gguf.PrintableText;

/**
 * Everything needed to rebuild a tokenizer or write it into GGUF metadata.
 *
 * @param model      {@code "llama"} (SentencePiece BPE) or {@code "gpt2"} (byte-level BPE)
 * @param pre        pre-tokenizer name for gpt2 models ({@code "default"}, {@code "llama-bpe"}, {@code "qwen2"},
 *                   {@code "smollm"}, ...), or null
 * @param tokens     vocabulary pieces, indexed by id
 * @param scores     per-token scores (required for llama, may be null for gpt2)
 * @param tokenTypes per-token {@link TokenType} codes, or null to infer them
 * @param merges     ranked merges {@code "left right"} (gpt2 only; null for llama)
 * @param bosId      beginning-of-sequence id or -1
 * @param eosId      end-of-sequence id or -1
 * @param unkId      unknown-token id or -1
 * @param addBos     whether {@link Tokenizer#encodeWithSpecials} prepends BOS
 * @param addEos     whether {@link Tokenizer#encodeWithSpecials} appends EOS
 */
public record TokenizerSpec(String model, String pre, String[] tokens, float[] scores, int[] tokenTypes,
                            String[] merges, int bosId, int eosId, int unkId, boolean addBos, boolean addEos) {

    /** GGUF value of {@code tokenizer.ggml.model} for SentencePiece BPE. */
    public static final String LLAMA = "llama";
    /** GGUF value of {@code tokenizer.ggml.model} for byte-level BPE. */
    public static final String GPT2 = "gpt2";

    public TokenizerSpec {
        Objects.requireNonNull(model, "model");
        if (!model.equals(LLAMA) && !model.equals(GPT2)) {
            throw new IllegalArgumentException("unsupported tokenizer model " + PrintableText.quote(model) + "; supported: \"llama\", \"gpt2\"");
        }
        if (tokens == null || tokens.length == 0) {
            throw new IllegalArgumentException("tokenizer vocabulary is empty");
        }
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] == null) {
                throw new IllegalArgumentException("token " + i + " is null");
            }
        }
        if (scores != null && scores.length != tokens.length) {
            throw new IllegalArgumentException("scores has " + scores.length + " entries but there are " + tokens.length + " tokens");
        }
        if (tokenTypes != null && tokenTypes.length != tokens.length) {
            throw new IllegalArgumentException("token types has " + tokenTypes.length + " entries but there are " + tokens.length + " tokens");
        }
        if (model.equals(LLAMA) && scores == null) {
            throw new IllegalArgumentException("llama (SentencePiece) tokenizers need per-token scores");
        }
        if (model.equals(GPT2) && merges == null) {
            throw new IllegalArgumentException("gpt2 (byte-level BPE) tokenizers need merges");
        }
        checkId("bos", bosId, tokens.length);
        checkId("eos", eosId, tokens.length);
        checkId("unk", unkId, tokens.length);
    }

    private static void checkId(String name, int id, int size) {
        if (id < -1 || id >= size) {
            throw new IllegalArgumentException(name + " id " + id + " out of range: use -1 (none) or 0.." + (size - 1));
        }
    }

    /** Number of vocabulary entries. */
    public int vocabSize() {
        return tokens.length;
    }

    /** The {@link TokenType} of a token, inferring it when no types were given. */
    public TokenType typeOf(int id) {
        if (tokenTypes != null) {
            return TokenType.fromCode(tokenTypes[id]);
        }
        if (id == unkId) {
            return TokenType.UNKNOWN;
        }
        if (id == bosId || id == eosId) {
            return TokenType.CONTROL;
        }
        if (model.equals(LLAMA) && ByteTokens.parseByteToken(tokens[id]) >= 0) {
            return TokenType.BYTE;
        }
        return TokenType.NORMAL;
    }

    /**
     * GGUF {@code tokenizer.ggml.*} metadata: strings as String, arrays as String[]/float[]/int[],
     * ids as Integer, flags as Boolean. Absent optional parts (pre, scores, types, merges, ids of -1) are omitted.
     */
    public Map<String, Object> toGGUFMetadata() {
        Map<String, Object> md = new LinkedHashMap<>();
        md.put(GGUFTokenizerKeys.MODEL, model);
        if (pre != null) {
            md.put(GGUFTokenizerKeys.PRE, pre);
        }
        md.put(GGUFTokenizerKeys.TOKENS, tokens.clone());
        if (scores != null) {
            md.put(GGUFTokenizerKeys.SCORES, scores.clone());
        }
        if (tokenTypes != null) {
            md.put(GGUFTokenizerKeys.TOKEN_TYPE, tokenTypes.clone());
        }
        if (merges != null) {
            md.put(GGUFTokenizerKeys.MERGES, merges.clone());
        }
        if (bosId >= 0) {
            md.put(GGUFTokenizerKeys.BOS_ID, bosId);
        }
        if (eosId >= 0) {
            md.put(GGUFTokenizerKeys.EOS_ID, eosId);
        }
        if (unkId >= 0) {
            md.put(GGUFTokenizerKeys.UNK_ID, unkId);
        }
        md.put(GGUFTokenizerKeys.ADD_BOS, addBos);
        md.put(GGUFTokenizerKeys.ADD_EOS, addEos);
        return md;
    }

    /**
     * A gpt2-type tokenizer for synthetic models: the 256 byte tokens, merges learned by a tiny BPE
     * trainer on a built-in English paragraph (as many as fit), {@code <|begin_of_text|>} (BOS) and
     * {@code <|end_of_text|>} (EOS), then {@code <|reserved_N|>} CONTROL tokens up to {@code vocabSize}.
     *
     * @param vocabSize total vocabulary size, at least 258
     */
    public static TokenizerSpec syntheticByteLevel(int vocabSize) {
        return SyntheticVocabulary.build(vocabSize);
    }
}
