package org.kvscope.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Stateful streaming decoder: feed generated tokens one at a time and receive the text they complete.
 * Bytes of a multi-byte UTF-8 character split across tokens are held back until the character is whole,
 * so concatenating every {@link #accept} result (plus {@link #flush}) equals {@link Tokenizer#decode}.
 * Not thread-safe.
 */
public final class TokenStreamDecoder {
    private final Tokenizer tokenizer;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private int previous;

    /** A decoder whose first token is treated as following {@code previous} (-1 for the start of text). */
    public TokenStreamDecoder(Tokenizer tokenizer, int previous) {
        this.tokenizer = tokenizer;
        this.previous = previous;
    }

    /** Adds {@code token} and returns the newly completed text (possibly empty). */
    public String accept(int token) {
        byte[] bytes = tokenizer instanceof AbstractTokenizer t
                ? t.pieceBytes(previous, token)
                : tokenizer.decodeToken(previous, token).getBytes(StandardCharsets.UTF_8);
        previous = token;
        pending.writeBytes(bytes);
        byte[] all = pending.toByteArray();
        int complete = completePrefixLength(all);
        pending.reset();
        pending.write(all, complete, all.length - complete);
        return new String(all, 0, complete, StandardCharsets.UTF_8);
    }

    /** Returns any held-back bytes (an incomplete character decodes to U+FFFD) and clears them. */
    public String flush() {
        String rest = pending.toString(StandardCharsets.UTF_8);
        pending.reset();
        return rest;
    }

    /** Length of the longest prefix that does not end inside an unfinished UTF-8 sequence. */
    static int completePrefixLength(byte[] b) {
        int n = b.length;
        // look back at most 3 bytes for the start of a multi-byte sequence
        for (int back = 1; back <= Math.min(3, n); back++) {
            int c = b[n - back] & 0xFF;
            if ((c & 0xC0) == 0x80) {
                continue; // continuation byte, keep looking for the lead byte
            }
            int need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
            return need > back ? n - back : n;
        }
        return n;
    }
}
