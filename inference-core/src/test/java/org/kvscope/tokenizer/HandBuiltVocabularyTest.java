package org.kvscope.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Tiny vocabularies whose expected merges are worked out by hand. */
class HandBuiltVocabularyTest {

    private static final int N = TokenType.NORMAL.code();
    private static final int C = TokenType.CONTROL.code();
    private static final int U = TokenType.UNKNOWN.code();

    private static Tokenizer spm(float abScore, float bcScore) {
        String[] tokens = {"<unk>", "<s>", "</s>", "▁", "a", "b", "c", "ab", "bc", "▁ab", "abc"};
        float[] scores = {0, 0, 0, -5, -6, -7, -8, abScore, bcScore, -2, -3};
        int[] types = {U, C, C, N, N, N, N, N, N, N, N};
        return Tokenizers.fromSpec(new TokenizerSpec("llama", null, tokens, scores, types, null, 1, 2, 0, true, false));
    }

    @Test
    void sentencePieceMergesHighestScoreFirst() {
        // "▁abc": bc (-0.5) beats ab (-1) → ▁ a bc → a+bc = abc (-3) → [▁, abc]
        assertArrayEquals(new int[] {3, 10}, spm(-1f, -0.5f).encode("abc"));
        // ab (-0.5) beats bc (-1) → ▁ ab c → ▁ab (-2) beats abc (-3) → [▁ab, c]
        assertArrayEquals(new int[] {9, 6}, spm(-0.5f, -1f).encode("abc"));
    }

    @Test
    void sentencePieceUsesUnknownWithoutByteTokensAndStripsDummyPrefix() {
        Tokenizer tok = spm(-1f, -0.5f);
        assertArrayEquals(new int[] {3, 4, 0, 3, 5}, tok.encode("ad b"));
        assertEquals("abc", tok.decode(new int[] {3, 10}));
        assertEquals("abc", tok.decode(new int[] {1, 3, 10}).replace("<s>", ""));
        assertEquals("", tok.decodeToken(1, 3), "the dummy-prefix space after BOS is dropped");
        assertEquals(" ", tok.decodeToken(10, 3));
        assertArrayEquals(new int[] {1, 3, 10}, tok.encodeWithSpecials("abc"));
    }

    @Test
    void sentencePieceRestartsDummyPrefixAfterSpecialToken() {
        Tokenizer tok = spm(-1f, -0.5f);
        int[] ids = tok.encode("ab</s>ab");
        assertArrayEquals(new int[] {9, 2, 9}, ids);
        assertEquals("ab</s>ab", tok.decode(ids));
    }

    private static Tokenizer bpe(String... merges) {
        List<String> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(String.valueOf(ByteLevelAlphabet.charOf(b)));
        }
        for (String m : merges) {
            String merged = m.replace(" ", "");
            if (!tokens.contains(merged)) {
                tokens.add(merged);
            }
        }
        tokens.add("<|eot|>");
        int[] types = new int[tokens.size()];
        java.util.Arrays.fill(types, N);
        types[types.length - 1] = C;
        return Tokenizers.fromSpec(new TokenizerSpec("gpt2", "gpt2", tokens.toArray(new String[0]), null, types, merges,
                -1, tokens.size() - 1, -1, false, true));
    }

    private static int id(Tokenizer tok, String piece) {
        int i = SentencePieceTokenizerTest.indexOf(tok, piece);
        if (i < 0) {
            throw new AssertionError("no piece " + piece);
        }
        return i;
    }

    @Test
    void byteLevelMergesLowestRankFirst() {
        Tokenizer tok = bpe("h e", "l l", "he ll", "hell o", "Ġ w");
        assertArrayEquals(new int[] {id(tok, "hello"), id(tok, "Ġw")}, tok.encode("hello w"));
        Tokenizer loFirst = bpe("l o", "l l");
        assertArrayEquals(new int[] {'l', id(loFirst, "lo")}, loFirst.encode("llo"));
        Tokenizer llFirst = bpe("l l", "l o");
        assertArrayEquals(new int[] {id(llFirst, "ll"), 'o'}, llFirst.encode("llo"));
    }

    @Test
    void byteLevelEncodesEveryByteAndAddsEos() {
        Tokenizer tok = bpe("h e");
        // space is byte 0x20 → 'Ġ' which is token 0x20 in this byte-ordered vocabulary
        assertArrayEquals(new int[] {id(tok, "he"), 0x20, 0x0A}, tok.encode("he \n"));
        assertEquals("Ġ", tok.tokenText(0x20));
        assertArrayEquals(new int[] {id(tok, "he"), tok.vocabSize() - 1}, tok.encodeWithSpecials("he"));
        String text = "é ☃ 😀";
        assertEquals(text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length, tok.encode(text).length);
        assertEquals(text, tok.decode(tok.encode(text)));
    }

    @Test
    void byteLevelRejectsBytesWithoutTokenOrUnknown() {
        String[] tokens = {"a", "b"};
        Tokenizer tok = Tokenizers.fromSpec(new TokenizerSpec("gpt2", null, tokens, null, null, new String[0], -1, -1, -1, false, false));
        assertArrayEquals(new int[] {0, 1}, tok.encode("ab"));
        var ex = assertThrows(IllegalArgumentException.class, () -> tok.encode("abc"));
        assertEquals("cannot encode byte 0x63: the vocabulary has no token for it and no unknown token", ex.getMessage());
        Tokenizer withUnk = Tokenizers.fromSpec(new TokenizerSpec("gpt2", null, tokens, null, null, new String[0], -1, -1, 1, false, false));
        assertArrayEquals(new int[] {0, 1, 1}, withUnk.encode("abc"));
    }
}
