package org.kvscope.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.kvscope.gguf.PrintableText;

/**
 * Splits text into words before byte-level BPE. A pre-tokenizer is a sequence of regexes; each one splits
 * every current piece into its matches and the (kept) text between matches.
 */
final class PreTokenizer {

    private static final String CONTRACTIONS_ANY_CASE = "'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]";

    /** The original GPT-2 split. */
    static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
    /** Llama 3: case-insensitive contractions, numbers in groups of up to three digits. */
    static final String LLAMA3 = CONTRACTIONS_ANY_CASE + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** Qwen2: like Llama 3 but every digit on its own. */
    static final String QWEN2 = CONTRACTIONS_ANY_CASE + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** Every digit on its own (HF "Digits" with individual_digits). */
    static final String SINGLE_DIGITS = "\\p{N}";

    private static final Map<String, List<String>> BY_NAME = Map.of(
            "default", List.of(GPT2),
            "gpt2", List.of(GPT2),
            "llama-bpe", List.of(LLAMA3),
            "llama3", List.of(LLAMA3),
            "qwen2", List.of(QWEN2),
            "smollm", List.of(SINGLE_DIGITS, GPT2));

    /** Pre-tokenizer names understood by {@link #forName}. */
    static final List<String> SUPPORTED = List.of("default", "gpt2", "llama-bpe", "llama3", "qwen2", "smollm");

    private final List<Pattern> patterns;

    private PreTokenizer(List<String> regexes) {
        this.patterns = regexes.stream().map(r -> Pattern.compile(r, Pattern.UNICODE_CHARACTER_CLASS)).toList();
    }

    /** The pre-tokenizer for a GGUF {@code tokenizer.ggml.pre} name; null means "default". */
    static PreTokenizer forName(String pre) {
        List<String> regexes = BY_NAME.get(pre == null ? "default" : pre);
        if (regexes == null) {
            throw new IllegalArgumentException("unsupported gpt2 pre-tokenizer " + PrintableText.quote(pre) + "; supported: " + SUPPORTED);
        }
        return new PreTokenizer(regexes);
    }

    /** Whether merges are skipped for words that are already whole vocabulary entries (Llama 3 behaviour). */
    static boolean ignoresMerges(String pre) {
        return "llama-bpe".equals(pre) || "llama3".equals(pre);
    }

    /** The words of {@code text}, in order; concatenated they give back {@code text}. */
    List<String> split(String text) {
        List<String> pieces = List.of(text);
        for (Pattern p : patterns) {
            List<String> next = new ArrayList<>();
            for (String piece : pieces) {
                splitInto(p, piece, next);
            }
            pieces = next;
        }
        return pieces;
    }

    private static void splitInto(Pattern p, String text, List<String> out) {
        Matcher m = p.matcher(text);
        int last = 0;
        while (m.find()) {
            if (m.start() == m.end()) {
                continue;
            }
            if (m.start() > last) {
                out.add(text.substring(last, m.start()));
            }
            out.add(text.substring(m.start(), m.end()));
            last = m.end();
        }
        if (last < text.length()) {
            out.add(text.substring(last));
        }
    }
}
