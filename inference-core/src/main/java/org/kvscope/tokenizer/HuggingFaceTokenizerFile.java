package org.kvscope.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reader for Hugging Face {@code tokenizer.json} files describing byte-level BPE (GPT-2, Llama 3, Qwen2,
 * SmolLM style). The pre-tokenizer structure is mapped to a GGUF {@code pre} name.
 */
final class HuggingFaceTokenizerFile {
    private HuggingFaceTokenizerFile() {}

    static TokenizerSpec read(Path file) throws IOException {
        String json = Files.readString(file, StandardCharsets.UTF_8);
        Map<String, Object> config = siblingConfig(file);
        try {
            return parse(json, config);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** {@code X.tokenizer.json} → {@code X.config.json}, {@code tokenizer.json} → {@code config.json}; empty map if absent. */
    private static Map<String, Object> siblingConfig(Path file) throws IOException {
        String name = file.getFileName().toString();
        String configName = name.endsWith("tokenizer.json")
                ? name.substring(0, name.length() - "tokenizer.json".length()) + "config.json" : null;
        Path dir = file.toAbsolutePath().getParent();
        if (configName == null || dir == null || !Files.isRegularFile(dir.resolve(configName))) {
            return Map.of();
        }
        Object parsed = JsonValues.parse(Files.readString(dir.resolve(configName), StandardCharsets.UTF_8));
        return parsed instanceof Map<?, ?> m ? asObject(m, configName) : Map.of();
    }

    /** Parses tokenizer.json text; {@code config} may supply {@code bos_token_id}/{@code eos_token_id}. */
    static TokenizerSpec parse(String json, Map<String, Object> config) {
        if (!(JsonValues.parse(json) instanceof Map<?, ?> rootMap)) {
            throw new IllegalArgumentException("tokenizer.json must be a JSON object");
        }
        Map<String, Object> root = asObject(rootMap, "root");
        if (!(root.get("model") instanceof Map<?, ?> modelMap)) {
            throw new IllegalArgumentException("tokenizer.json has no \"model\" object");
        }
        Map<String, Object> model = asObject(modelMap, "model");
        Object type = model.get("type");
        if (type != null && !"BPE".equals(type)) {
            throw new IllegalArgumentException("tokenizer.json model type '" + type + "' is not supported; only \"BPE\" (byte-level)");
        }
        if (!(model.get("vocab") instanceof Map<?, ?> vocabMap)) {
            throw new IllegalArgumentException("tokenizer.json model has no \"vocab\" object");
        }
        if (!(model.get("merges") instanceof List<?> mergeList)) {
            throw new IllegalArgumentException("tokenizer.json model has no \"merges\" array");
        }
        String pre = preTokenizerName(root.get("pre_tokenizer"));

        List<String> tokens = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        for (Map.Entry<?, ?> e : vocabMap.entrySet()) {
            put(tokens, types, intValue(e.getValue(), "vocab id of '" + e.getKey() + "'"), (String) e.getKey(), TokenType.NORMAL);
        }
        if (root.get("added_tokens") instanceof List<?> added) {
            for (Object o : added) {
                Map<String, Object> t = asObject(o, "added_tokens entry");
                if (!(t.get("content") instanceof String content)) {
                    throw new IllegalArgumentException("added_tokens entry without string \"content\": " + t);
                }
                boolean special = Boolean.TRUE.equals(t.get("special"));
                put(tokens, types, intValue(t.get("id"), "id of added token '" + content + "'"), content,
                        special ? TokenType.CONTROL : TokenType.USER_DEFINED);
            }
        }
        for (int i = 0; i < tokens.size(); i++) {
            if (tokens.get(i) == null) {
                tokens.set(i, "[UNUSED_" + i + "]");
                types.set(i, TokenType.UNUSED.code());
            }
        }
        String[] merges = new String[mergeList.size()];
        for (int i = 0; i < merges.length; i++) {
            merges[i] = mergeText(mergeList.get(i), i);
        }
        String[] tokenArray = tokens.toArray(new String[0]);
        int[] typeArray = types.stream().mapToInt(Integer::intValue).toArray();

        int unk = model.get("unk_token") instanceof String u ? indexOf(tokenArray, u) : -1;
        Template template = template(root.get("post_processor"), tokenArray);
        int bos = configId(config, "bos_token_id", tokenArray.length, template.first);
        int eos = configId(config, "eos_token_id", tokenArray.length, template.last);
        return new TokenizerSpec(TokenizerSpec.GPT2, pre, tokenArray, null, typeArray, merges, bos, eos, unk,
                template.first >= 0, template.last >= 0);
    }

    private static void put(List<String> tokens, List<Integer> types, int id, String text, TokenType type) {
        if (id < 0 || id > 10_000_000) {
            throw new IllegalArgumentException("token id " + id + " for '" + text + "' is out of range 0..10000000");
        }
        while (tokens.size() <= id) {
            tokens.add(null);
            types.add(TokenType.NORMAL.code());
        }
        tokens.set(id, text);
        types.set(id, type.code());
    }

    private static String mergeText(Object m, int rank) {
        if (m instanceof String s) {
            return s;
        }
        if (m instanceof List<?> pair && pair.size() == 2 && pair.get(0) instanceof String a && pair.get(1) instanceof String b) {
            return a + " " + b;
        }
        throw new IllegalArgumentException("merge " + rank + " must be \"left right\" or [\"left\", \"right\"], got " + m);
    }

    /** Maps the pre_tokenizer structure to a GGUF pre name. */
    static String preTokenizerName(Object preTokenizer) {
        if (!(preTokenizer instanceof Map<?, ?> ptMap)) {
            throw new IllegalArgumentException("tokenizer.json has no pre_tokenizer; only byte-level BPE is supported");
        }
        Map<String, Object> pt = asObject(ptMap, "pre_tokenizer");
        String type = String.valueOf(pt.get("type"));
        if (type.equals("ByteLevel")) {
            checkByteLevel(pt, true);
            return "gpt2";
        }
        if (type.equals("Sequence") && pt.get("pretokenizers") instanceof List<?> list && list.size() == 2) {
            Map<String, Object> first = asObject(list.get(0), "pretokenizers[0]");
            Map<String, Object> second = asObject(list.get(1), "pretokenizers[1]");
            if ("Digits".equals(first.get("type")) && Boolean.TRUE.equals(first.get("individual_digits"))
                    && "ByteLevel".equals(second.get("type"))) {
                checkByteLevel(second, true);
                return "smollm";
            }
            if ("Split".equals(first.get("type")) && "ByteLevel".equals(second.get("type"))
                    && first.get("pattern") instanceof Map<?, ?> pattern && pattern.get("Regex") instanceof String regex) {
                checkByteLevel(second, false);
                if (regex.contains("\\p{N}{1,3}")) {
                    return "llama-bpe";
                }
                if (regex.contains("\\p{N}| ?[")) {
                    return "qwen2";
                }
                throw new IllegalArgumentException("unrecognised Split regex in pre_tokenizer: " + regex
                        + "; supported: Llama 3 (\\p{N}{1,3}) and Qwen2 (single \\p{N})");
            }
        }
        throw new IllegalArgumentException("unsupported pre_tokenizer " + pt + "; supported: ByteLevel, "
                + "Sequence[Digits(individual), ByteLevel], Sequence[Split(Llama 3 / Qwen2 regex), ByteLevel]");
    }

    private static void checkByteLevel(Map<String, Object> byteLevel, boolean expectRegex) {
        if (Boolean.TRUE.equals(byteLevel.get("add_prefix_space"))) {
            throw new IllegalArgumentException("ByteLevel add_prefix_space=true is not supported");
        }
        boolean useRegex = !Boolean.FALSE.equals(byteLevel.get("use_regex"));
        if (useRegex != expectRegex) {
            throw new IllegalArgumentException("ByteLevel use_regex=" + useRegex + " is not supported in this position");
        }
    }

    private record Template(int first, int last) {}

    /** Special tokens a TemplateProcessing post-processor puts before/after a single sequence. */
    private static Template template(Object postProcessor, String[] tokens) {
        if (!(postProcessor instanceof Map<?, ?> pp) || !"TemplateProcessing".equals(pp.get("type"))
                || !(pp.get("single") instanceof List<?> single) || single.isEmpty()) {
            return new Template(-1, -1);
        }
        return new Template(specialIn(single.getFirst(), tokens), single.size() > 1 ? specialIn(single.getLast(), tokens) : -1);
    }

    private static int specialIn(Object piece, String[] tokens) {
        if (piece instanceof Map<?, ?> m && m.get("SpecialToken") instanceof Map<?, ?> st && st.get("id") instanceof String name) {
            return indexOf(tokens, name);
        }
        return -1;
    }

    private static int configId(Map<String, Object> config, String key, int size, int fallback) {
        Object v = config.get(key);
        if (v instanceof List<?> l && !l.isEmpty()) {
            v = l.getFirst();
        }
        if (v instanceof Number n && n.longValue() >= 0 && n.longValue() < size) {
            return n.intValue();
        }
        return fallback;
    }

    private static int indexOf(String[] tokens, String text) {
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i].equals(text)) {
                return i;
            }
        }
        return -1;
    }

    private static int intValue(Object v, String what) {
        if (v instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) {
            return l.intValue();
        }
        throw new IllegalArgumentException(what + " must be an integer, got " + v);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asObject(Object o, String what) {
        if (o instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new IllegalArgumentException(what + " must be a JSON object, got " + o);
    }
}
