package org.kvscope.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Finds literal special tokens in text (longest match wins) and splits the text around them. */
final class SpecialTokenMatcher {

    /** A piece of text: either a matched special token ({@code tokenId >= 0}) or plain text ({@code tokenId == -1}). */
    record Fragment(String text, int tokenId) {
        boolean isSpecial() {
            return tokenId >= 0;
        }
    }

    private static final class Node {
        final Map<Character, Node> children = new HashMap<>(4);
        int tokenId = -1;
    }

    private final Node root = new Node();
    private final boolean empty;

    /** @param specials literal text → token id; empty strings are ignored, the first id wins for duplicates */
    SpecialTokenMatcher(Map<String, Integer> specials) {
        boolean any = false;
        for (Map.Entry<String, Integer> e : specials.entrySet()) {
            String s = e.getKey();
            if (s.isEmpty()) {
                continue;
            }
            Node n = root;
            for (int i = 0; i < s.length(); i++) {
                n = n.children.computeIfAbsent(s.charAt(i), k -> new Node());
            }
            if (n.tokenId < 0) {
                n.tokenId = e.getValue();
                any = true;
            }
        }
        empty = !any;
    }

    /** Splits {@code text} into plain and special fragments in order; never returns empty plain fragments. */
    List<Fragment> split(String text) {
        List<Fragment> out = new ArrayList<>();
        if (empty) {
            if (!text.isEmpty()) {
                out.add(new Fragment(text, -1));
            }
            return out;
        }
        int plainStart = 0;
        int i = 0;
        while (i < text.length()) {
            int bestEnd = -1;
            int bestId = -1;
            Node n = root;
            for (int j = i; j < text.length(); j++) {
                n = n.children.get(text.charAt(j));
                if (n == null) {
                    break;
                }
                if (n.tokenId >= 0) {
                    bestEnd = j + 1;
                    bestId = n.tokenId;
                }
            }
            if (bestEnd < 0) {
                i++;
                continue;
            }
            if (i > plainStart) {
                out.add(new Fragment(text.substring(plainStart, i), -1));
            }
            out.add(new Fragment(text.substring(i, bestEnd), bestId));
            i = bestEnd;
            plainStart = i;
        }
        if (plainStart < text.length()) {
            out.add(new Fragment(text.substring(plainStart), -1));
        }
        return out;
    }
}
