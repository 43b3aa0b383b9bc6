package org.kvscope.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Finds literal special tokens in text (longest match wins) and splits the text around them. */
final class SpecialTokenMatcher {

    /** A piece of text: either a matched special token ({@code tokenId >= 0}) or plain text ({@code tokenId == -1}). */
    record Fragment(String text, int tokenId) {
        boolean isSpecial() {
            return tokenId >= 0;
        }
    }

    /** The special tokens' texts in sorted order: those sharing a prefix are one run of the array. */
    private final String[] texts;
    private final int[] ids;

    /**
     * @param specials literal text → token id; empty strings are ignored. Kept as two sorted arrays
     *                 (a trie of maps cost 20 MiB of heap for a vocabulary of 48,000 reserved tokens)
     */
    SpecialTokenMatcher(Map<String, Integer> specials) {
        TreeMap<String, Integer> sorted = new TreeMap<>();
        for (Map.Entry<String, Integer> e : specials.entrySet()) {
            if (!e.getKey().isEmpty()) {
                sorted.putIfAbsent(e.getKey(), e.getValue());
            }
        }
        texts = sorted.keySet().toArray(new String[0]);
        ids = sorted.values().stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * The longest special token starting at {@code text[i]}, as {end, id}, or null. The range of
     * candidates [lo, hi) narrows one character at a time by binary search: all of them share the
     * characters matched so far, so they are sorted by their next character.
     */
    private int[] longestAt(String text, int i) {
        int lo = 0, hi = texts.length;
        int[] best = null;
        for (int k = 0; i + k < text.length() && lo < hi; k++) {
            if (texts[lo].length() == k) { // the prefix itself: matched at the step before
                lo++;
            }
            char c = text.charAt(i + k);
            lo = firstFrom(lo, hi, k, c);
            hi = firstFrom(lo, hi, k, c + 1);
            if (lo < hi && texts[lo].length() == k + 1) {
                best = new int[] {i + k + 1, ids[lo]};
            }
        }
        return best;
    }

    /** First index in [lo, hi) whose character k is at least c (all there are longer than k and sorted by it). */
    private int firstFrom(int lo, int hi, int k, int c) {
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (texts[mid].charAt(k) < c) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Splits {@code text} into plain and special fragments in order; never returns empty plain fragments. */
    List<Fragment> split(String text) {
        List<Fragment> out = new ArrayList<>();
        int plainStart = 0;
        int i = 0;
        while (i < text.length()) {
            int[] match = texts.length == 0 ? null : longestAt(text, i);
            if (match == null) {
                i++;
                continue;
            }
            if (i > plainStart) {
                out.add(new Fragment(text.substring(plainStart, i), -1));
            }
            out.add(new Fragment(text.substring(i, match[0]), match[1]));
            i = match[0];
            plainStart = i;
        }
        if (plainStart < text.length()) {
            out.add(new Fragment(text.substring(plainStart), -1));
        }
        return out;
    }
}
