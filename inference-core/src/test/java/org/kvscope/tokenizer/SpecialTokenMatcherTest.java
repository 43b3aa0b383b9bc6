package org.kvscope.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SpecialTokenMatcherTest {

    @Test
    void splitsLikeALongestMatchScanOnRandomTokensAndTexts() {
        SplittableRandom r = new SplittableRandom(3);
        for (int round = 0; round < 200; round++) {
            Map<String, Integer> specials = new LinkedHashMap<>();
            int n = 1 + r.nextInt(12);
            for (int i = 0; i < n; i++) {
                specials.putIfAbsent(word(r, 1 + r.nextInt(4)), i);
            }
            if (r.nextInt(4) == 0) {
                specials.put("", 99);
            }
            String text = word(r, r.nextInt(30));
            assertEquals(reference(specials, text), new SpecialTokenMatcher(specials).split(text),
                    () -> specials + " in '" + text + "'");
        }
    }

    @Test
    void findsReservedTokensAmongManyAndKeepsPlainTextAround() {
        Map<String, Integer> specials = new LinkedHashMap<>();
        for (int i = 0; i < 5000; i++) {
            specials.put("<|reserved_" + i + "|>", 100 + i);
        }
        specials.put("<|begin_of_text|>", 1);
        var got = new SpecialTokenMatcher(specials).split("a<|reserved_42|><|reserved_4|>b<|reserved_|><|begin_of_text|>");
        assertEquals(List.of(new SpecialTokenMatcher.Fragment("a", -1), new SpecialTokenMatcher.Fragment("<|reserved_42|>", 142),
                new SpecialTokenMatcher.Fragment("<|reserved_4|>", 104), new SpecialTokenMatcher.Fragment("b<|reserved_|>", -1),
                new SpecialTokenMatcher.Fragment("<|begin_of_text|>", 1)), got);
    }

    @Test
    void noSpecialsLeaveTheTextWholeAndEmptyTextGivesNothing() {
        assertEquals(List.of(new SpecialTokenMatcher.Fragment("abc", -1)), new SpecialTokenMatcher(Map.of()).split("abc"));
        assertEquals(List.of(), new SpecialTokenMatcher(Map.of("a", 1)).split(""));
    }

    /** Text over a three-letter alphabet, so that tokens overlap and share prefixes often. */
    private static String word(SplittableRandom r, int length) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < length; i++) {
            b.append("abc".charAt(r.nextInt(3)));
        }
        return b.toString();
    }

    /** At each position the longest special token that starts there, else one plain character. */
    private static List<SpecialTokenMatcher.Fragment> reference(Map<String, Integer> specials, String text) {
        List<SpecialTokenMatcher.Fragment> out = new ArrayList<>();
        StringBuilder plain = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            String best = null;
            for (String s : specials.keySet()) {
                if (!s.isEmpty() && text.startsWith(s, i) && (best == null || s.length() > best.length())) {
                    best = s;
                }
            }
            if (best == null) {
                plain.append(text.charAt(i++));
                continue;
            }
            if (!plain.isEmpty()) {
                out.add(new SpecialTokenMatcher.Fragment(plain.toString(), -1));
                plain.setLength(0);
            }
            out.add(new SpecialTokenMatcher.Fragment(best, specials.get(best)));
            i += best.length();
        }
        if (!plain.isEmpty()) {
            out.add(new SpecialTokenMatcher.Fragment(plain.toString(), -1));
        }
        return out;
    }
}
