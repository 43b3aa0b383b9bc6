package org.kvscope.tokenizer;

import java.util.Locale;

/** SentencePiece byte-fallback pieces of the form {@code <0xAB>}. */
final class ByteTokens {
    private ByteTokens() {}

    /** The byte value (0..255) named by a {@code <0xAB>} piece, or -1 if the piece is not one. */
    static int parseByteToken(String piece) {
        if (piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') {
            return -1;
        }
        int hi = Character.digit(piece.charAt(3), 16);
        int lo = Character.digit(piece.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    /** The piece naming byte {@code b}, e.g. {@code <0x0A>}. */
    static String name(int b) {
        return String.format(Locale.ROOT, "<0x%02X>", b & 0xFF);
    }
}
