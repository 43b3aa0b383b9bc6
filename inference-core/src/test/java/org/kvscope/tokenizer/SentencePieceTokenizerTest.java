package org.kvscope.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.kvscope.model.SharedModels;

/** SentencePiece tokenizers loaded from the real llama2.c, SentencePiece and GGUF files. */
class SentencePieceTokenizerTest {

    static final List<String> SAMPLES = List.of(
            "Once upon a time, there was a little girl named Lily.",
            "Hello world",
            "  leading and trailing spaces  ",
            "tabs\tand\nnewlines\n\n",
            "numbers 2024, 3.14159 and -42",
            "Unicode: café, naïve, Straße, Ελληνικά, 日本語, 한국어",
            "emoji 😀🚀 and symbols ∑ ≠ €",
            "");

    static Path shared(String name) {
        Optional<Path> p = SharedModels.find(name);
        Assumptions.assumeTrue(p.isPresent(), SharedModels.missingMessage(name));
        return p.get();
    }

    static void assertRoundTrips(Tokenizer tok) {
        for (String s : SAMPLES) {
            assertEquals(s, tok.decode(tok.encode(s)), "round trip of: " + s);
        }
    }

    @Test
    void tok512EncodesStoryTextShortlyAndRoundTrips() throws IOException {
        Tokenizer tok = Tokenizers.fromLlama2cBin(shared("tok512.bin"));
        assertEquals(512, tok.vocabSize());
        assertEquals("<s>", tok.tokenText(1));
        assertEquals("<0x0A>", tok.tokenText(3 + 0x0A));
        int[] ids = tok.encode("Once upon a time");
        assertTrue(ids.length > 0 && ids.length < 16, "short encoding, got " + ids.length);
        assertEquals("Once upon a time", tok.decode(ids));
        int once = indexOf(tok, "▁Once");
        assertTrue(once >= 0, "tok512 has a ▁Once piece");
        assertEquals(once, ids[0]);
        assertRoundTrips(tok);
    }

    @Test
    void tok512AddsBosOnlyWithSpecials() throws IOException {
        Tokenizer tok = Tokenizers.fromLlama2cBin(shared("tok512.bin"));
        int[] plain = tok.encode("The dog");
        int[] withBos = tok.encodeWithSpecials("The dog");
        assertEquals(1, withBos[0]);
        assertEquals(plain.length + 1, withBos.length);
        assertEquals(1, tok.bos().orElseThrow());
        assertEquals(2, tok.eos().orElseThrow());
        assertTrue(tok.isSpecial(1));
        assertFalse(tok.isSpecial(plain[0]));
    }

    @Test
    void tok512FallsBackToBytesForUnknownCharacters() throws IOException {
        Tokenizer tok = Tokenizers.fromLlama2cBin(shared("tok512.bin"));
        int[] ids = tok.encode("日");
        // "▁" followed by the three UTF-8 bytes E6 97 A5 as <0xE6><0x97><0xA5>
        assertEquals(List.of("<0xE6>", "<0x97>", "<0xA5>"),
                List.of(tok.tokenText(ids[ids.length - 3]), tok.tokenText(ids[ids.length - 2]), tok.tokenText(ids[ids.length - 1])));
        assertEquals("日", tok.decode(ids));
    }

    @Test
    void ggufMetadataMatchesTok512() throws IOException {
        Tokenizer fromBin = Tokenizers.fromLlama2cBin(shared("tok512.bin"));
        Tokenizer fromGguf;
        try (org.kvscope.gguf.GGUFFile f = org.kvscope.gguf.GGUFFile.open(shared("stories260K.gguf"))) {
            fromGguf = Tokenizers.fromGGUFMetadata(f.metadata().asMap());
        }
        assertEquals(fromBin.vocabSize(), fromGguf.vocabSize());
        for (String s : SAMPLES) {
            assertArrayEquals(fromBin.encode(s), fromGguf.encode(s), s);
            assertArrayEquals(fromBin.encodeWithSpecials(s), fromGguf.encodeWithSpecials(s), s);
        }
        assertArrayEquals(fromBin.spec().tokens(), fromGguf.spec().tokens());
        assertArrayEquals(fromBin.spec().tokenTypes(), fromGguf.spec().tokenTypes());
        assertRoundTrips(fromGguf);
    }

    @Test
    void llama2HelloWorld() throws IOException {
        Tokenizer tok = Tokenizers.fromSentencePieceModel(shared("llama2_tokenizer.model"));
        assertEquals(32000, tok.vocabSize());
        assertArrayEquals(new int[] {15043, 3186}, tok.encode("Hello world"));
        assertArrayEquals(new int[] {1, 15043, 3186}, tok.encodeWithSpecials("Hello world"));
        assertEquals("▁Hello", tok.tokenText(15043));
        assertEquals("Hello", tok.decodeToken(1, 15043));
        assertEquals(" world", tok.decodeToken(15043, 3186));
        assertRoundTrips(tok);
    }

    @Test
    void llama2KnownEncodings() throws IOException {
        Tokenizer tok = Tokenizers.fromSentencePieceModel(shared("llama2_tokenizer.model"));
        assertArrayEquals(new int[] {306, 4658, 278, 6593, 310, 2834, 338}, tok.encode("I believe the meaning of life is"));
        assertArrayEquals(new int[] {15043, 29892, 3186, 29991}, tok.encode("Hello, world!"));
        assertArrayEquals(new int[] {29871, 13}, tok.encode("\n"), "newline is the byte-fallback token <0x0A>");
        assertArrayEquals(new int[] {29871, 15043}, tok.encode(" Hello"));
        assertEquals(" Hello", tok.decode(new int[] {29871, 15043}));
    }

    @Test
    void llama2MatchesLiteralSpecialTokensWhole() throws IOException {
        Tokenizer tok = Tokenizers.fromSentencePieceModel(shared("llama2_tokenizer.model"));
        int[] ids = tok.encode("<s>Hello world</s>");
        assertArrayEquals(new int[] {1, 15043, 3186, 2}, ids);
        assertEquals("<s>Hello world</s>", tok.decode(ids));
    }

    @Test
    void llama2EncodesLongTextQuickly() throws IOException {
        Tokenizer tok = Tokenizers.fromSentencePieceModel(shared("llama2_tokenizer.model"));
        String text = "The quick brown fox jumps over the lazy dog. ".repeat(250) + "x".repeat(2000);
        assertEquals(text, tok.decode(tok.encode(text)));
    }

    static int indexOf(Tokenizer tok, String piece) {
        for (int i = 0; i < tok.vocabSize(); i++) {
            if (tok.tokenText(i).equals(piece)) {
                return i;
            }
        }
        return -1;
    }
}
