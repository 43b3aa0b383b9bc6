package org.kvscope.tokenizer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A tokenizer's data as GGUF stores it under {@code tokenizer.ggml.*}.
 *
 * @param model      "llama" (SentencePiece BPE) or "gpt2" (byte-level BPE)
 * @param pre        pre-tokenizer name for gpt2 models (e.g. "llama-bpe", "qwen2", "smollm"), or null
 * @param scores     merge scores (llama), or null
 * @param tokenTypes 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte; or null
 * @param merges     "a b" merge rules in rank order (gpt2), or null
 */
public record TokenizerSpec(String model, String pre, String[] tokens, float[] scores, int[] tokenTypes,
                            String[] merges, int bosId, int eosId, int unkId, boolean addBos, boolean addEos) {

    public static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;

    /** The {@code tokenizer.ggml.*} entries with Java values (ids as Integer). */
    public Map<String, Object> toGGUFMetadata() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tokenizer.ggml.model", model);
        if (pre != null) {
            m.put("tokenizer.ggml.pre", pre);
        }
        m.put("tokenizer.ggml.tokens", tokens);
        if (scores != null) {
            m.put("tokenizer.ggml.scores", scores);
        }
        if (tokenTypes != null) {
            m.put("tokenizer.ggml.token_type", tokenTypes);
        }
        if (merges != null) {
            m.put("tokenizer.ggml.merges", merges);
        }
        if (bosId >= 0) {
            m.put("tokenizer.ggml.bos_token_id", bosId);
        }
        if (eosId >= 0) {
            m.put("tokenizer.ggml.eos_token_id", eosId);
        }
        if (unkId >= 0) {
            m.put("tokenizer.ggml.unknown_token_id", unkId);
        }
        m.put("tokenizer.ggml.add_bos_token", addBos);
        m.put("tokenizer.ggml.add_eos_token", addEos);
        return m;
    }

    /**
     * A SentencePiece-style vocabulary for synthetic models: &lt;unk&gt;, &lt;s&gt;, &lt;/s&gt;, the 256
     * byte tokens, common English words and word pieces (scored by length), padded with
     * reserved control tokens up to {@code vocabSize}.
     */
    public static TokenizerSpec syntheticSentencePiece(int vocabSize) {
        java.util.List<String> tokens = new java.util.ArrayList<>(java.util.List.of("<unk>", "<s>", "</s>"));
        java.util.List<Integer> types = new java.util.ArrayList<>(java.util.List.of(UNKNOWN, CONTROL, CONTROL));
        for (int b = 0; b < 256; b++) {
            tokens.add(String.format("<0x%02X>", b));
            types.add(BYTE);
        }
        java.util.Set<String> seen = new java.util.LinkedHashSet<>();
        String letters = "etaoinshrdlcumwfgypbvkjxqz";
        for (char c : (letters + letters.toUpperCase() + "0123456789.,!?'\"-:;()").toCharArray()) {
            seen.add(String.valueOf(c));
            seen.add("▁" + c);
        }
        for (String w : SYNTHETIC_WORDS.split(" ")) {
            seen.add("▁" + w);
            for (int i = 2; i < w.length(); i++) {
                seen.add("▁" + w.substring(0, i));
                seen.add(w.substring(i - 2, i));
            }
        }
        for (String s : seen) {
            if (tokens.size() >= vocabSize) {
                break;
            }
            tokens.add(s);
            types.add(NORMAL);
        }
        while (tokens.size() < vocabSize) {
            tokens.add("<|reserved_" + tokens.size() + "|>");
            types.add(CONTROL);
        }
        String[] t = tokens.subList(0, vocabSize).toArray(String[]::new);
        float[] scores = new float[t.length];
        int[] tt = new int[t.length];
        for (int i = 0; i < t.length; i++) {
            tt[i] = types.get(i);
            scores[i] = tt[i] == NORMAL ? t[i].length() - i * 1e-4f : 0f;
        }
        return new TokenizerSpec("llama", null, t, scores, tt, null, 1, 2, 0, true, false);
    }

    private static final String SYNTHETIC_WORDS = "the and was to a of in he she it they you with for on that "
            + "his her had said but one day time upon once little girl boy named dog cat ball park play tree "
            + "happy sad big friend mom dad went saw could would there were very when what have this from "
            + "model attention cache layer token budget memory window head query key value policy river "
            + "bridge garden library water light stone sound story house road small long green red blue";
}
