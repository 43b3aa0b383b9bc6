package org.kvscope.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Little-endian sequential reader over a memory segment that turns every read past the end into
 * a {@link GGUFException} naming what was being read and where.
 */
final class SegmentCursor {
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment segment;
    private final long size;
    private long position;

    SegmentCursor(MemorySegment segment) {
        this.segment = segment;
        this.size = segment.byteSize();
    }

    long position() { return position; }

    long size() { return size; }

    long remaining() { return size - position; }

    MemorySegment segment() { return segment; }

    /** Checks that {@code n} more bytes exist, else reports a truncated file. */
    void require(long n, String what) throws GGUFException {
        if (n < 0 || n > remaining()) {
            throw GGUFException.at(position, "file is truncated: reading " + what + " needs " + n
                    + " bytes but only " + remaining() + " remain of " + size);
        }
    }

    byte i8(String what) throws GGUFException {
        require(1, what);
        return segment.get(ValueLayout.JAVA_BYTE, position++);
    }

    short i16(String what) throws GGUFException {
        require(2, what);
        short v = segment.get(U16, position);
        position += 2;
        return v;
    }

    int i32(String what) throws GGUFException {
        require(4, what);
        int v = segment.get(U32, position);
        position += 4;
        return v;
    }

    /** An unsigned 32-bit value. */
    long u32(String what) throws GGUFException {
        return Integer.toUnsignedLong(i32(what));
    }

    /** A 64-bit value (raw bits; callers decide whether it is signed). */
    long i64(String what) throws GGUFException {
        require(8, what);
        long v = segment.get(U64, position);
        position += 8;
        return v;
    }

    float f32(String what) throws GGUFException {
        require(4, what);
        float v = segment.get(F32, position);
        position += 4;
        return v;
    }

    double f64(String what) throws GGUFException {
        require(8, what);
        double v = segment.get(F64, position);
        position += 8;
        return v;
    }

    /**
     * A gguf_string: uint64 byte length then UTF-8 bytes. The length must fit in the remaining
     * bytes and be at most {@code maxLength}.
     */
    String string(long maxLength, String what) throws GGUFException {
        long length = stringLength(maxLength, what);
        byte[] bytes = segment.asSlice(position, length).toArray(ValueLayout.JAVA_BYTE);
        position += length;
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Checks a gguf_string as {@link #string} does and moves past it without decoding it. */
    void skipString(long maxLength, String what) throws GGUFException {
        long length = stringLength(maxLength, what); // read first: `position += f()` would add to the old position
        position += length;
    }

    /** Reads and checks a gguf_string's length, leaving the position at its first byte. */
    private long stringLength(long maxLength, String what) throws GGUFException {
        long start = position;
        if (remaining() < 8) {
            require(8, "length of " + what);
        }
        long length = segment.get(U64, position);
        position += 8;
        if (length < 0 || length > maxLength) {
            throw GGUFException.at(start, what + " has length " + Long.toUnsignedString(length)
                    + "; valid lengths are 0 to " + maxLength + " bytes");
        }
        if (length > remaining()) {
            throw GGUFException.at(start, what + " has length " + length + " but only " + remaining()
                    + " bytes remain in the file");
        }
        return length;
    }

    /** Copies {@code count} little-endian values into a new array and advances past them. */
    float[] f32Array(int count) {
        float[] a = new float[count];
        MemorySegment.copy(segment, F32, position, a, 0, count);
        position += 4L * count;
        return a;
    }

    double[] f64Array(int count) {
        double[] a = new double[count];
        MemorySegment.copy(segment, F64, position, a, 0, count);
        position += 8L * count;
        return a;
    }

    long[] i64Array(int count) {
        long[] a = new long[count];
        MemorySegment.copy(segment, U64, position, a, 0, count);
        position += 8L * count;
        return a;
    }

    int[] i32Array(int count) {
        int[] a = new int[count];
        MemorySegment.copy(segment, U32, position, a, 0, count);
        position += 4L * count;
        return a;
    }
}
