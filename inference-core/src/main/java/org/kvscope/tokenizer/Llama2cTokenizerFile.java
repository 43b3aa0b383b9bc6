package org.kvscope.tokenizer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.kvscope.gguf.FileErrors;

/**
 * Reader for llama2.c {@code tokenizer.bin}: little-endian int32 max_token_length, then per token a float32
 * score, an int32 byte length and the UTF-8 bytes. The format has no token types: ids 0, 1, 2 are taken as
 * unknown, BOS and EOS ({@code "\n<s>\n"} is shown as {@code <s>}), {@code <0xAB>} pieces as byte tokens, and
 * plain spaces are rewritten to SentencePiece's {@code ▁}.
 */
final class Llama2cTokenizerFile {
    private Llama2cTokenizerFile() {}

    static TokenizerSpec read(Path file) throws IOException {
        byte[] data = FileErrors.readAllBytes(file);
        try {
            return parse(data);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    static TokenizerSpec parse(byte[] data) {
        ByteBuffer buf = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        if (buf.remaining() < 4) {
            throw new IllegalArgumentException("not a llama2.c tokenizer: " + data.length + " bytes, header needs 4");
        }
        int maxLen = buf.getInt();
        if (maxLen <= 0 || maxLen > 1 << 16) {
            throw new IllegalArgumentException("not a llama2.c tokenizer: max_token_length " + maxLen + " outside 1..65536");
        }
        List<String> pieces = new ArrayList<>();
        List<Float> scoreList = new ArrayList<>();
        while (buf.hasRemaining()) {
            int index = pieces.size();
            if (buf.remaining() < 8) {
                throw new IllegalArgumentException("truncated llama2.c tokenizer: token " + index
                        + " needs an 8-byte score/length header at offset " + buf.position() + ", only " + buf.remaining() + " bytes left");
            }
            float score = buf.getFloat();
            int len = buf.getInt();
            if (len < 0 || len > maxLen) {
                throw new IllegalArgumentException("corrupt llama2.c tokenizer: token " + index + " has length " + len
                        + ", valid is 0.." + maxLen);
            }
            if (buf.remaining() < len) {
                throw new IllegalArgumentException("truncated llama2.c tokenizer: token " + index + " needs " + len
                        + " bytes at offset " + buf.position() + ", only " + buf.remaining() + " left");
            }
            byte[] bytes = new byte[len];
            buf.get(bytes);
            pieces.add(new String(bytes, StandardCharsets.UTF_8));
            scoreList.add(score);
        }
        if (pieces.size() < 3) {
            throw new IllegalArgumentException("llama2.c tokenizer has " + pieces.size() + " tokens; at least <unk>, <s>, </s> are needed");
        }
        String[] tokens = new String[pieces.size()];
        float[] scores = new float[tokens.length];
        int[] types = new int[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            String p = pieces.get(i);
            scores[i] = scoreList.get(i);
            if (i <= 2) {
                tokens[i] = p.strip();
                types[i] = (i == 0 ? TokenType.UNKNOWN : TokenType.CONTROL).code();
            } else if (ByteTokens.parseByteToken(p) >= 0) {
                tokens[i] = p;
                types[i] = TokenType.BYTE.code();
            } else {
                tokens[i] = p.replace(' ', SentencePieceTokenizer.SPACE_MARK);
                types[i] = TokenType.NORMAL.code();
            }
        }
        return new TokenizerSpec(TokenizerSpec.LLAMA, null, tokens, scores, types, null, 1, 2, 0, true, false);
    }
}
