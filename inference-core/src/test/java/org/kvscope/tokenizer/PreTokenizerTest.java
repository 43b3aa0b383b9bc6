package org.kvscope.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Word splits of the supported pre-tokenizers. */
class PreTokenizerTest {

    private static List<String> split(String pre, String text) {
        return PreTokenizer.forName(pre).split(text);
    }

    @Test
    void gpt2KeepsLeadingSpaceOnWordsAndNumbers() {
        assertEquals(List.of("Hello", " world", "!!", " 12345", " it", "'s", "   ", " ok"), split("default", "Hello world!! 12345 it's    ok"));
        assertEquals(List.of("I", "'", "M"), split("gpt2", "I'M"), "gpt2 contractions are lower-case only");
    }

    @Test
    void llama3GroupsDigitsInThreesAndIgnoresContractionCase() {
        assertEquals(List.of("123", "45", " apples"), split("llama-bpe", "12345 apples"));
        assertEquals(List.of("I", "'M", " fine"), split("llama3", "I'M fine"));
        assertEquals(List.of("Hi", ",", " there", "\n\n", "ok"), split("llama-bpe", "Hi, there\n\nok"));
        assertEquals(List.of("x", " ", " y"), split("llama-bpe", "x  y"), "whitespace before a word leaves one space to it");
    }

    @Test
    void qwen2SplitsEveryDigit() {
        assertEquals(List.of("1", "2", "3", "4", "5", " apples"), split("qwen2", "12345 apples"));
    }

    @Test
    void smollmSplitsDigitsBeforeTheGpt2Regex() {
        assertEquals(List.of("in", " ", "2", "0", "2", "4", "!"), split("smollm", "in 2024!"));
        assertEquals(List.of("Hello", " world"), split("smollm", "Hello world"));
    }

    @Test
    void unicodeWhitespaceAndLettersAreRecognised() {
        assertEquals(List.of("naïve", "\u3000", "日本語", " Ελληνικά"), split("default", "naïve\u3000日本語 Ελληνικά"));
    }

    @Test
    void splitsConcatenateBackToTheInput() {
        String text = "  Mixed:\ttabs, 3.14, ÄÖÜ; emoji 😀😀 \r\n end  ";
        for (String pre : PreTokenizer.SUPPORTED) {
            assertEquals(text, String.join("", split(pre, text)), pre);
        }
    }
}
