package org.kvscope.prompts;

import java.util.function.ToIntFunction;

/** Test token counter: whitespace-separated words. */
final class WordCounter {
    static final ToIntFunction<String> WORDS = WordCounter::count;

    private WordCounter() {}

    static int count(String text) {
        String s = text.strip();
        return s.isEmpty() ? 0 : s.split("\\s+").length;
    }
}
