package org.kvscope.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TokenStreamDecoderTest {

    @Test
    void completePrefixStopsBeforeUnfinishedSequences() {
        byte[] euro = "a€".getBytes(StandardCharsets.UTF_8); // 61 E2 82 AC
        assertEquals(4, TokenStreamDecoder.completePrefixLength(euro));
        assertEquals(1, TokenStreamDecoder.completePrefixLength(java.util.Arrays.copyOf(euro, 3)));
        assertEquals(1, TokenStreamDecoder.completePrefixLength(java.util.Arrays.copyOf(euro, 2)));
        assertEquals(0, TokenStreamDecoder.completePrefixLength(new byte[0]));
    }

    @Test
    void byteFallbackTokensStreamIntoWholeCharacters() throws IOException {
        Tokenizer tok = Tokenizers.fromLlama2cBin(SentencePieceTokenizerTest.shared("tok512.bin"));
        String text = "Once upon a time 日本 😀 end";
        int[] ids = tok.encodeWithSpecials(text);
        TokenStreamDecoder stream = new TokenStreamDecoder(tok, -1);
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            String piece = stream.accept(id);
            assertEquals(-1, piece.indexOf('\uFFFD'), "no replacement characters while streaming");
            sb.append(piece);
        }
        sb.append(stream.flush());
        assertEquals(tok.decode(ids), sb.toString());
        assertEquals("<s>" + text, sb.toString());
    }
}
