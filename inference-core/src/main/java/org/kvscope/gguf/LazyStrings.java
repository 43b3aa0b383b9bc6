package org.kvscope.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * An ARRAY of STRING metadata value left in the file's mapping until first asked for (a tokenizer's
 * vocabulary: 49,152 to 128,256 strings that {@code bench} never reads). The parser has already checked
 * every length against the file, so decoding cannot run past it; decoding happens once.
 */
final class LazyStrings {
    private final long start;
    private final int count;
    private MemorySegment segment;
    private String[] strings;

    /** {@code count} gguf_strings starting at byte {@code start} of {@code segment}, already checked. */
    LazyStrings(MemorySegment segment, long start, int count) {
        this.segment = segment;
        this.start = start;
        this.count = count;
    }

    /** Number of strings, without decoding them. */
    int length() { return count; }

    /**
     * The decoded strings (the same array on every call).
     *
     * @throws IllegalStateException if they were never decoded and the file has since been closed
     */
    synchronized String[] strings() {
        if (strings == null) {
            String[] out = new String[count];
            long at = start;
            try {
                for (int i = 0; i < count; i++) {
                    long length = segment.get(SegmentCursor.U64, at);
                    byte[] bytes = segment.asSlice(at + 8, length).toArray(ValueLayout.JAVA_BYTE);
                    out[i] = new String(bytes, StandardCharsets.UTF_8);
                    at += 8 + length;
                }
            } catch (IllegalStateException e) {
                throw new IllegalStateException("GGUF metadata strings read after their file was closed", e);
            }
            strings = out;
            segment = null;
        }
        return strings;
    }
}
