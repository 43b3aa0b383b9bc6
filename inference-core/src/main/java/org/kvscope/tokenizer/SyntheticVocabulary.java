package org.kvscope.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds {@link TokenizerSpec#syntheticByteLevel}: a deterministic byte-level BPE vocabulary trained on a
 * short built-in paragraph, so random-weight models can still turn text into ids and back.
 */
final class SyntheticVocabulary {
    private SyntheticVocabulary() {}

    static final String BOS = "<|begin_of_text|>";
    static final String EOS = "<|end_of_text|>";

    /** Training text: plain English that exercises common words, punctuation, digits and newlines. */
    static final String PARAGRAPH = """
            The little lighthouse keeper climbed the winding stairs every evening to light the lamp. \
            She counted the steps as she went, and there were always one hundred and twenty of them. \
            From the top she could see the harbour, the fishing boats coming home, and the gulls \
            circling over the water. On clear nights the stars came out one by one, and the keeper \
            wrote down what she saw in a thick notebook: the weather, the wind, the ships that passed, \
            and the time the light was lit. In the morning she walked down to the village to buy bread \
            and talk with the people there. They asked her about the sea, and she told them stories \
            about storms in 1987 and 2004, when the waves were higher than the houses. "It is quiet \
            work," she said, "but somebody has to keep the light burning, so that everyone finds the \
            way home."
            Children liked to visit the tower in the summer. They ran up the stairs, looked through \
            the old brass telescope, and wanted to know how the lamp worked. The keeper showed them \
            the lens, the oil, and the clockwork that turned the beam around the bay.
            """;

    static TokenizerSpec build(int vocabSize) {
        int fixed = 256 + 2;
        if (vocabSize < fixed) {
            throw new IllegalArgumentException("synthetic byte-level vocabulary needs at least " + fixed
                    + " entries (256 bytes + BOS + EOS), got " + vocabSize);
        }
        Set<String> vocab = new LinkedHashSet<>();
        for (int b = 0; b < 256; b++) {
            vocab.add(String.valueOf(ByteLevelAlphabet.charOf(b)));
        }
        List<String> merges = learnMerges(vocabSize - fixed, vocab);
        List<String> tokens = new ArrayList<>(vocab);
        int normalCount = tokens.size();
        tokens.add(BOS);
        tokens.add(EOS);
        for (int n = 0; tokens.size() < vocabSize; n++) {
            tokens.add("<|reserved_" + n + "|>");
        }
        int[] types = new int[tokens.size()];
        for (int i = 0; i < types.length; i++) {
            types[i] = (i < normalCount ? TokenType.NORMAL : TokenType.CONTROL).code();
        }
        return new TokenizerSpec(TokenizerSpec.GPT2, "llama-bpe", tokens.toArray(new String[0]), null, types,
                merges.toArray(new String[0]), normalCount, normalCount + 1, -1, true, false);
    }

    /**
     * Classic BPE training: repeatedly merge the most frequent adjacent pair (ties broken by the pair's text)
     * until no pair occurs twice or {@code maxNewTokens} new tokens were added to {@code vocab}.
     */
    private static List<String> learnMerges(int maxNewTokens, Set<String> vocab) {
        Map<List<String>, Integer> words = new LinkedHashMap<>();
        for (String w : PreTokenizer.forName("llama-bpe").split(PARAGRAPH)) {
            String encoded = ByteLevelAlphabet.encode(w);
            List<String> symbols = new ArrayList<>();
            for (int i = 0; i < encoded.length(); i++) {
                symbols.add(String.valueOf(encoded.charAt(i)));
            }
            words.merge(symbols, 1, Integer::sum);
        }
        List<String> merges = new ArrayList<>();
        int added = 0;
        while (added < maxNewTokens) {
            Map<String, Integer> pairCounts = new HashMap<>();
            for (Map.Entry<List<String>, Integer> e : words.entrySet()) {
                List<String> s = e.getKey();
                for (int i = 0; i + 1 < s.size(); i++) {
                    pairCounts.merge(s.get(i) + " " + s.get(i + 1), e.getValue(), Integer::sum);
                }
            }
            String best = null;
            int bestCount = 1;
            for (Map.Entry<String, Integer> e : pairCounts.entrySet()) {
                int c = e.getValue();
                if (c > bestCount || (c == bestCount && best != null && e.getKey().compareTo(best) < 0)) {
                    best = e.getKey();
                    bestCount = c;
                }
            }
            if (best == null) {
                break;
            }
            merges.add(best);
            int space = best.indexOf(' ');
            String left = best.substring(0, space);
            String right = best.substring(space + 1);
            if (vocab.add(left + right)) {
                added++;
            }
            Map<List<String>, Integer> next = new LinkedHashMap<>();
            for (Map.Entry<List<String>, Integer> e : words.entrySet()) {
                next.merge(applyMerge(e.getKey(), left, right), e.getValue(), Integer::sum);
            }
            words = next;
        }
        return merges;
    }

    private static List<String> applyMerge(List<String> symbols, String left, String right) {
        List<String> out = new ArrayList<>(symbols.size());
        for (int i = 0; i < symbols.size(); i++) {
            if (i + 1 < symbols.size() && symbols.get(i).equals(left) && symbols.get(i + 1).equals(right)) {
                out.add(left + right);
                i++;
            } else {
                out.add(symbols.get(i));
            }
        }
        return out;
    }
}
