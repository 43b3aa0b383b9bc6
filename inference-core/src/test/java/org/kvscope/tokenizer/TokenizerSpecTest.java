package org.kvscope.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Spec ↔ GGUF metadata round trips and the synthetic byte-level vocabulary. */
class TokenizerSpecTest {

    private static final String[] TEXTS = {"The lighthouse keeper counted 120 steps.", "Hello, world!\n\tIt's 2024 — ok?", "日本語 😀", ""};

    private static void assertSameEncodings(Tokenizer a, Tokenizer b) {
        assertEquals(a.vocabSize(), b.vocabSize());
        for (String s : TEXTS) {
            assertArrayEquals(a.encode(s), b.encode(s), s);
            assertArrayEquals(a.encodeWithSpecials(s), b.encodeWithSpecials(s), s);
        }
    }

    @Test
    void syntheticByteLevelHasRequestedLayout() {
        TokenizerSpec spec = TokenizerSpec.syntheticByteLevel(512);
        assertEquals(512, spec.vocabSize());
        assertEquals("gpt2", spec.model());
        Tokenizer tok = Tokenizers.fromSpec(spec);
        int bos = tok.bos().orElseThrow();
        assertEquals("<|begin_of_text|>", tok.tokenText(bos));
        assertEquals("<|end_of_text|>", tok.tokenText(tok.eos().orElseThrow()));
        assertEquals("<|reserved_0|>", tok.tokenText(bos + 2));
        assertTrue(tok.isSpecial(511));
        assertFalse(tok.isSpecial('a'));
        assertTrue(spec.merges().length > 50, "learned merges: " + spec.merges().length);
        assertEquals(bos, tok.encodeWithSpecials("x")[0]);
    }

    @Test
    void syntheticByteLevelRoundTripsAndCompresses() {
        Tokenizer tok = Tokenizers.fromSpec(TokenizerSpec.syntheticByteLevel(1024));
        for (String s : SentencePieceTokenizerTest.SAMPLES) {
            assertEquals(s, tok.decode(tok.encode(s)), s);
        }
        String common = "the keeper climbed the stairs to light the lamp";
        assertTrue(tok.encode(common).length < common.length() / 2, "merges learned from the paragraph compress its words");
        assertEquals("<|begin_of_text|>hi<|reserved_3|>", tok.decode(tok.encode("<|begin_of_text|>hi<|reserved_3|>")));
    }

    @Test
    void syntheticByteLevelIsDeterministicAndTruncatesMerges() {
        TokenizerSpec a = TokenizerSpec.syntheticByteLevel(300);
        TokenizerSpec b = TokenizerSpec.syntheticByteLevel(300);
        assertArrayEquals(a.tokens(), b.tokens());
        assertArrayEquals(a.merges(), b.merges());
        assertEquals(300, a.vocabSize());
        assertEquals(258, TokenizerSpec.syntheticByteLevel(258).vocabSize());
        var ex = assertThrows(IllegalArgumentException.class, () -> TokenizerSpec.syntheticByteLevel(100));
        assertTrue(ex.getMessage().contains("at least 258"), ex.getMessage());
    }

    @Test
    void ggufMetadataRoundTripForSyntheticByteLevel() {
        Tokenizer original = Tokenizers.fromSpec(TokenizerSpec.syntheticByteLevel(700));
        Map<String, Object> md = original.spec().toGGUFMetadata();
        assertEquals("gpt2", md.get("tokenizer.ggml.model"));
        assertEquals("llama-bpe", md.get("tokenizer.ggml.pre"));
        assertEquals(original.bos().orElseThrow(), md.get("tokenizer.ggml.bos_token_id"));
        assertTrue(md.get("tokenizer.ggml.tokens") instanceof String[]);
        assertTrue(md.get("tokenizer.ggml.token_type") instanceof int[]);
        assertSameEncodings(original, Tokenizers.fromGGUFMetadata(md));
    }

    @Test
    void ggufMetadataRoundTripForRealTokenizers() throws IOException {
        Tokenizer tok512 = Tokenizers.fromLlama2cBin(SentencePieceTokenizerTest.shared("tok512.bin"));
        assertSameEncodings(tok512, Tokenizers.fromGGUFMetadata(tok512.spec().toGGUFMetadata()));
        Tokenizer smollm = Tokenizers.fromHuggingFaceJson(SentencePieceTokenizerTest.shared("smollm2-135m.tokenizer.json"));
        Tokenizer back = Tokenizers.fromGGUFMetadata(smollm.spec().toGGUFMetadata());
        assertSameEncodings(smollm, back);
        assertEquals(smollm.bos(), back.bos());
        assertArrayEquals(smollm.encode("<|im_start|>user"), back.encode("<|im_start|>user"));
    }

    @Test
    void metadataAcceptsBoxedArraysLongIdsAndNoneMarker() {
        TokenizerSpec spec = TokenizerSpec.syntheticByteLevel(300);
        Map<String, Object> md = new HashMap<>();
        md.put("tokenizer.ggml.model", "gpt2");
        md.put("tokenizer.ggml.pre", "llama-bpe");
        md.put("tokenizer.ggml.tokens", (Object[]) spec.tokens().clone());
        Object[] types = new Object[spec.vocabSize()];
        for (int i = 0; i < types.length; i++) {
            types[i] = (long) spec.tokenTypes()[i];
        }
        md.put("tokenizer.ggml.token_type", types);
        md.put("tokenizer.ggml.merges", spec.merges());
        md.put("tokenizer.ggml.bos_token_id", (long) spec.bosId());
        md.put("tokenizer.ggml.eos_token_id", 0xFFFF_FFFFL);
        Tokenizer tok = Tokenizers.fromGGUFMetadata(md);
        assertEquals(spec.bosId(), tok.bos().orElseThrow());
        assertTrue(tok.eos().isEmpty(), "0xFFFFFFFF means no token");
        assertTrue(tok.spec().addBos(), "llama-bpe adds BOS by default");
        assertArrayEquals(Tokenizers.fromSpec(spec).encode("the stairs"), tok.encode("the stairs"));
    }

    @Test
    void unsupportedModelAndPreAreRejectedClearly() {
        var ex = assertThrows(IllegalArgumentException.class,
                () -> Tokenizers.fromGGUFMetadata(Map.of("tokenizer.ggml.model", "bert", "tokenizer.ggml.tokens", new String[] {"a"})));
        assertEquals("unsupported tokenizer model 'bert' in tokenizer.ggml.model; supported: \"llama\", \"gpt2\"", ex.getMessage());
        var noModel = assertThrows(IllegalArgumentException.class, () -> Tokenizers.fromGGUFMetadata(Map.of()));
        assertTrue(noModel.getMessage().contains("tokenizer.ggml.model"), noModel.getMessage());
        TokenizerSpec s = TokenizerSpec.syntheticByteLevel(300);
        var pre = assertThrows(IllegalArgumentException.class, () -> Tokenizers.fromSpec(
                new TokenizerSpec("gpt2", "tekken", s.tokens(), null, null, s.merges(), -1, -1, -1, false, false)));
        assertTrue(pre.getMessage().contains("'tekken'") && pre.getMessage().contains("llama-bpe"), pre.getMessage());
        var noScores = assertThrows(IllegalArgumentException.class,
                () -> Tokenizers.fromGGUFMetadata(Map.of("tokenizer.ggml.model", "llama", "tokenizer.ggml.tokens", new String[] {"a"})));
        assertTrue(noScores.getMessage().contains("scores"), noScores.getMessage());
    }

    @Test
    void badIdsAreRejected() {
        Tokenizer tok = Tokenizers.fromSpec(TokenizerSpec.syntheticByteLevel(300));
        var ex = assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {5, 300}));
        assertEquals("token id 300 out of range [0, 300)", ex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> tok.tokenText(-1));
        assertThrows(IllegalArgumentException.class,
                () -> new TokenizerSpec("gpt2", null, new String[] {"a"}, null, null, new String[0], 1, -1, -1, false, false));
    }
}
