package org.kvscope.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Byte-level BPE with the real SmolLM2 tokenizer.json. */
class ByteLevelBpeTokenizerTest {

    private static Tokenizer smollm;

    @BeforeAll
    static void load() throws IOException {
        var file = org.kvscope.model.SharedModels.find("smollm2-135m.tokenizer.json");
        if (file.isPresent()) {
            smollm = Tokenizers.fromHuggingFaceJson(file.get());
        }
    }

    private static Tokenizer smollm() {
        org.junit.jupiter.api.Assumptions.assumeTrue(smollm != null,
                org.kvscope.model.SharedModels.missingMessage("smollm2-135m.tokenizer.json"));
        return smollm;
    }

    @Test
    void loadsVocabularyAndPreTokenizer() {
        Tokenizer tok = smollm();
        assertEquals(49152, tok.vocabSize());
        assertEquals("smollm", tok.spec().pre());
        assertEquals("gpt2", tok.spec().model());
        assertEquals("Ġworld", tok.tokenText(905));
        assertEquals(1, tok.bos().orElseThrow(), "bos_token_id from the sibling config.json");
        assertEquals(2, tok.eos().orElseThrow());
        assertFalse(tok.spec().addBos(), "no post-processor, so no BOS is added");
    }

    @Test
    void knownEncodings() {
        Tokenizer tok = smollm();
        assertArrayEquals(new int[] {19556, 905}, tok.encode("Hello world"));
        assertArrayEquals(new int[] {34, 32, 34, 36}, tok.encode("2024"), "digits are split individually");
        // "in 2024": the digit split leaves "in " whose trailing space becomes its own word
        assertArrayEquals(new int[] {216, 34, 32, 34, 36}, java.util.Arrays.copyOfRange(tok.encode("in 2024"), 1, 6));
        assertArrayEquals(tok.encode("Hello world"), tok.encodeWithSpecials("Hello world"));
    }

    @Test
    void specialTokensAreMatchedWhole() {
        Tokenizer tok = smollm();
        int[] ids = tok.encode("<|im_start|>user\nHi<|im_end|>");
        assertArrayEquals(new int[] {1, 4093, 198, 26843, 2}, ids);
        assertTrue(tok.isSpecial(1));
        assertFalse(tok.isSpecial(4093));
        assertEquals("<|im_start|>user\nHi<|im_end|>", tok.decode(ids));
        assertEquals("<|im_start|>", tok.decodeToken(-1, 1));
    }

    @Test
    void roundTripsVariedText() {
        Tokenizer tok = smollm();
        for (String s : SentencePieceTokenizerTest.SAMPLES) {
            assertEquals(s, tok.decode(tok.encode(s)), "round trip of: " + s);
        }
        String mixed = "def f(x):\n    return x ** 2  # square\r\n\u00a0non-breaking\u3000ideographic space";
        assertEquals(mixed, tok.decode(tok.encode(mixed)));
    }

    @Test
    void longTextRoundTrips() {
        Tokenizer tok = smollm();
        String text = "Streaming tokens, one after another: 12345 67890! ".repeat(200) + "z".repeat(1500);
        assertEquals(text, tok.decode(tok.encode(text)));
    }

    @Test
    void streamDecoderAssemblesSplitCharacters() {
        Tokenizer tok = smollm();
        String text = "emoji 😀🚀 日本語 done";
        int[] ids = tok.encode(text);
        TokenStreamDecoder stream = new TokenStreamDecoder(tok, -1);
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            sb.append(stream.accept(id));
        }
        sb.append(stream.flush());
        assertEquals(text, sb.toString());
    }
}
