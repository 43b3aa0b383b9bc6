package org.kvscope.tokenizer;

import java.nio.charset.StandardCharsets;

/** Minimal protocol-buffer wire-format reader: varints, 32/64-bit fixed values and length-delimited fields. */
final class ProtobufReader {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int FIXED32 = 5;

    private final byte[] data;
    private int pos;
    private final int end;

    ProtobufReader(byte[] data) {
        this(data, 0, data.length);
    }

    private ProtobufReader(byte[] data, int start, int end) {
        this.data = data;
        this.pos = start;
        this.end = end;
    }

    boolean hasMore() {
        return pos < end;
    }

    /** Reads a field key; returns it as {@code fieldNumber << 3 | wireType}. */
    int readTag() {
        long tag = readVarint();
        if (tag <= 0 || tag > Integer.MAX_VALUE || (tag >>> 3) == 0) {
            throw corrupt("invalid field tag " + tag);
        }
        return (int) tag;
    }

    long readVarint() {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) {
                throw corrupt("truncated varint");
            }
            byte b = data[pos++];
            result |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return result;
            }
        }
        throw corrupt("varint longer than 10 bytes");
    }

    float readFloat() {
        return Float.intBitsToFloat((int) readFixed(4));
    }

    private long readFixed(int bytes) {
        if (end - pos < bytes) {
            throw corrupt("truncated " + (bytes * 8) + "-bit value");
        }
        long v = 0;
        for (int i = 0; i < bytes; i++) {
            v |= (long) (data[pos++] & 0xFF) << (8 * i);
        }
        return v;
    }

    /** Reader over the next length-delimited field's bytes. */
    ProtobufReader readMessage() {
        int len = readLength();
        ProtobufReader sub = new ProtobufReader(data, pos, pos + len);
        pos += len;
        return sub;
    }

    String readString() {
        int len = readLength();
        String s = new String(data, pos, len, StandardCharsets.UTF_8);
        pos += len;
        return s;
    }

    private int readLength() {
        long len = readVarint();
        if (len < 0 || len > end - pos) {
            throw corrupt("length " + len + " exceeds the " + (end - pos) + " bytes left");
        }
        return (int) len;
    }

    /** Skips a field's value of the given wire type. */
    void skip(int wireType) {
        switch (wireType) {
            case VARINT -> readVarint();
            case FIXED64 -> readFixed(8);
            case LENGTH_DELIMITED -> {
                int len = readLength();
                pos += len;
            }
            case FIXED32 -> readFixed(4);
            default -> throw corrupt("unsupported wire type " + wireType);
        }
    }

    void expect(int tag, int wireType, String field) {
        if ((tag & 7) != wireType) {
            throw corrupt(field + " has wire type " + (tag & 7) + ", expected " + wireType);
        }
    }

    private IllegalArgumentException corrupt(String what) {
        return new IllegalArgumentException("corrupt protobuf at byte " + pos + ": " + what);
    }
}
