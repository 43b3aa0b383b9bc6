package org.kvscope.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Little-endian cursor over a mapped file that reports reads past the end as {@link GGUFException}. */
final class SegmentReader {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment segment;
    private final long size;
    private long position;

    SegmentReader(MemorySegment segment) {
        this.segment = segment;
        this.size = segment.byteSize();
    }

    long position() { return position; }

    long remaining() { return size - position; }

    void seek(long p) { position = p; }

    private long take(long n, String what) throws GGUFException {
        if (n < 0 || n > size - position) {
            throw new GGUFException("file is truncated: reading " + what + " (" + n + " bytes) at offset " + position
                    + " but the file has " + size + " bytes");
        }
        long p = position;
        position += n;
        return p;
    }

    int u8(String what) throws GGUFException { return segment.get(ValueLayout.JAVA_BYTE, take(1, what)) & 0xFF; }

    int i8(String what) throws GGUFException { return segment.get(ValueLayout.JAVA_BYTE, take(1, what)); }

    int u16(String what) throws GGUFException { return segment.get(SHORT, take(2, what)) & 0xFFFF; }

    int i16(String what) throws GGUFException { return segment.get(SHORT, take(2, what)); }

    int i32(String what) throws GGUFException { return segment.get(INT, take(4, what)); }

    long u32(String what) throws GGUFException { return segment.get(INT, take(4, what)) & 0xFFFFFFFFL; }

    long i64(String what) throws GGUFException { return segment.get(LONG, take(8, what)); }

    float f32(String what) throws GGUFException { return segment.get(FLOAT, take(4, what)); }

    double f64(String what) throws GGUFException { return segment.get(DOUBLE, take(8, what)); }

    /** A count that must fit in the remaining bytes given at least {@code minBytesEach} per item. */
    long count(String what, long minBytesEach) throws GGUFException {
        long at = position;
        long n = i64(what);
        if (n < 0 || (minBytesEach > 0 && n > remaining() / minBytesEach)) {
            throw new GGUFException("absurd " + what + " " + Long.toUnsignedString(n) + " at offset " + at
                    + ": only " + remaining() + " bytes remain in the file");
        }
        return n;
    }

    String string(String what, long maxLength) throws GGUFException {
        long at = position;
        long len = i64(what + " length");
        if (len < 0 || len > remaining() || len > maxLength) {
            throw new GGUFException("absurd " + what + " length " + Long.toUnsignedString(len) + " at offset " + at
                    + " (at most " + Math.min(maxLength, remaining()) + " allowed here)");
        }
        long p = take(len, what);
        byte[] bytes = segment.asSlice(p, len).toArray(ValueLayout.JAVA_BYTE);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new GGUFException(what + " at offset " + at + " is not valid UTF-8");
        }
    }
}
