package org.kvscope.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * SentencePiece BPE as used by Llama-family models: a dummy-prefix {@code ▁} at the start (and after each
 * special token), spaces written as {@code ▁}, then repeated merging of the adjacent pair whose concatenation
 * has the highest score. Characters without a piece fall back to {@code <0xAB>} byte tokens, or to the
 * unknown token when the vocabulary has no byte tokens.
 */
final class SentencePieceTokenizer extends AbstractTokenizer {

    static final char SPACE_MARK = '\u2581';

    private final boolean addSpacePrefix;
    private final int[] byteIds = new int[256];
    private final float[] scores;
    private final boolean[] mergeable;

    SentencePieceTokenizer(TokenizerSpec spec, boolean addSpacePrefix) {
        super(spec);
        this.addSpacePrefix = addSpacePrefix;
        this.scores = spec.scores();
        this.mergeable = new boolean[tokens.length];
        Arrays.fill(byteIds, -1);
        for (int i = 0; i < tokens.length; i++) {
            mergeable[i] = types[i] == TokenType.NORMAL || types[i] == TokenType.USER_DEFINED;
            if (types[i] == TokenType.BYTE) {
                int b = ByteTokens.parseByteToken(tokens[i]);
                if (b >= 0 && byteIds[b] < 0) {
                    byteIds[b] = i;
                }
            }
        }
    }

    @Override
    protected void encodePlain(String text, boolean afterSpecial, IntList out) {
        String normalized = ((afterSpecial && addSpacePrefix) ? " " + text : text).replace(' ', SPACE_MARK);
        List<String> symbols = new ArrayList<>(normalized.length());
        for (int i = 0; i < normalized.length(); ) {
            int cp = normalized.codePointAt(i);
            int len = Character.charCount(cp);
            symbols.add(normalized.substring(i, i + len));
            i += len;
        }
        List<String> merged = PairMerger.merge(symbols, (left, right) -> {
            int id = ids.get(left + right);
            return id >= 0 && mergeable[id] ? -scores[id] : Double.NaN;
        });
        for (String piece : merged) {
            int id = ids.get(piece);
            if (id >= 0 && mergeable[id]) {
                out.add(id);
            } else {
                byteFallback(piece, out);
            }
        }
    }

    private void byteFallback(String piece, IntList out) {
        for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
            int id = byteIds[b & 0xFF];
            if (id < 0) {
                if (spec.unkId() < 0) {
                    throw new IllegalArgumentException("cannot encode '" + piece
                            + "': no piece, no byte-fallback token " + ByteTokens.name(b) + " and no unknown token");
                }
                out.add(spec.unkId());
                return;
            }
            out.add(id);
        }
    }

    @Override
    protected void appendBytes(int previous, int token, ByteArrayOutputStream out) {
        switch (types[token]) {
            case BYTE -> {
                int b = ByteTokens.parseByteToken(tokens[token]);
                if (b >= 0) {
                    out.write(b);
                } else {
                    out.writeBytes(tokens[token].getBytes(StandardCharsets.UTF_8));
                }
            }
            case CONTROL, UNKNOWN, UNUSED -> out.writeBytes(tokens[token].getBytes(StandardCharsets.UTF_8));
            default -> {
                String text = tokens[token].replace(SPACE_MARK, ' ');
                boolean atWordStart = previous < 0 || isLiteralSpecial(previous) || previous == spec.bosId();
                if (addSpacePrefix && atWordStart && text.startsWith(" ")) {
                    text = text.substring(1);
                }
                out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
            }
        }
    }
}
