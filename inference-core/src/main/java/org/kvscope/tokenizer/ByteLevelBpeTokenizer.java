package org.kvscope.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.kvscope.gguf.PrintableText;

/**
 * GPT-2 style byte-level BPE: text is split into words by a {@link PreTokenizer}, each word's UTF-8 bytes
 * are written in the {@link ByteLevelAlphabet}, and adjacent symbols are merged by merge rank (lowest first).
 * Results are cached per word.
 */
final class ByteLevelBpeTokenizer extends AbstractTokenizer {

    private static final int CACHE_LIMIT = 50_000;

    private final PreTokenizer preTokenizer;
    private final boolean ignoreMerges;
    private final StringIds mergeRanks;
    private final Map<String, int[]> wordCache = new ConcurrentHashMap<>();

    ByteLevelBpeTokenizer(TokenizerSpec spec) {
        super(spec);
        this.preTokenizer = PreTokenizer.forName(spec.pre());
        this.ignoreMerges = PreTokenizer.ignoresMerges(spec.pre());
        String[] merges = spec.merges();
        for (int rank = 0; rank < merges.length; rank++) {
            String m = merges[rank];
            int space = m.indexOf(' ', 1);
            if (space < 0 || space == m.length() - 1) {
                throw new IllegalArgumentException("merge " + rank + " " + PrintableText.quote(m) + " is not of the form 'left right'");
            }
        }
        this.mergeRanks = new StringIds(merges);
    }

    @Override
    protected void encodePlain(String text, boolean afterSpecial, IntList out) {
        for (String word : preTokenizer.split(text)) {
            out.addAll(encodeWord(ByteLevelAlphabet.encode(word)));
        }
    }

    private int[] encodeWord(String word) {
        int[] cached = wordCache.get(word);
        if (cached != null) {
            return cached;
        }
        int[] result = bpe(word);
        if (wordCache.size() >= CACHE_LIMIT) {
            wordCache.clear();
        }
        wordCache.put(word, result);
        return result;
    }

    private int[] bpe(String word) {
        if (ignoreMerges) {
            int whole = ids.get(word);
            if (whole >= 0) {
                return new int[] {whole};
            }
        }
        List<String> symbols = new ArrayList<>(word.length());
        for (int i = 0; i < word.length(); i++) {
            symbols.add(String.valueOf(word.charAt(i)));
        }
        List<String> merged = PairMerger.merge(symbols, (left, right) -> {
            int rank = mergeRanks.get(left + " " + right);
            return rank >= 0 && ids.contains(left + right) ? rank : Double.NaN;
        });
        int[] out = new int[merged.size()];
        for (int i = 0; i < out.length; i++) {
            int id = ids.get(merged.get(i));
            if (id < 0) {
                id = missingByte(merged.get(i));
            }
            out[i] = id;
        }
        return out;
    }

    /** Some vocabularies omit bytes that never occur in their training data (e.g. 0xC0, 0xF5..0xFF). */
    private int missingByte(String symbol) {
        if (spec.unkId() >= 0) {
            return spec.unkId();
        }
        throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                "cannot encode byte 0x%02X: the vocabulary has no token for it and no unknown token",
                ByteLevelAlphabet.byteOf(symbol.charAt(0))));
    }

    @Override
    protected void appendBytes(int previous, int token, ByteArrayOutputStream out) {
        if (isLiteralSpecial(token) || types[token] == TokenType.UNKNOWN || types[token] == TokenType.UNUSED) {
            out.writeBytes(tokens[token].getBytes(StandardCharsets.UTF_8));
        } else {
            ByteLevelAlphabet.decodeInto(tokens[token], out);
        }
    }
}
