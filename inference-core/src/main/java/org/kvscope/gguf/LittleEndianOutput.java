package org.kvscope.gguf;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Writes little-endian primitives and gguf_strings to a stream, counting bytes written. */
final class LittleEndianOutput {
    private final OutputStream out;
    private final byte[] scratch = new byte[8];
    private long position;

    LittleEndianOutput(OutputStream out) {
        this.out = out;
    }

    long position() { return position; }

    void i8(int v) throws IOException {
        out.write(v);
        position++;
    }

    void i16(int v) throws IOException {
        scratch[0] = (byte) v;
        scratch[1] = (byte) (v >>> 8);
        bytes(scratch, 2);
    }

    void i32(int v) throws IOException {
        for (int i = 0; i < 4; i++) {
            scratch[i] = (byte) (v >>> (8 * i));
        }
        bytes(scratch, 4);
    }

    void i64(long v) throws IOException {
        for (int i = 0; i < 8; i++) {
            scratch[i] = (byte) (v >>> (8 * i));
        }
        bytes(scratch, 8);
    }

    void f32(float v) throws IOException {
        i32(Float.floatToRawIntBits(v));
    }

    void f64(double v) throws IOException {
        i64(Double.doubleToRawLongBits(v));
    }

    /** uint64 byte length then UTF-8 bytes. */
    void string(String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        i64(b.length);
        bytes(b, b.length);
    }

    void bytes(byte[] b, int length) throws IOException {
        out.write(b, 0, length);
        position += length;
    }

    /** Writes zero bytes until the position is a multiple of {@code alignment}. */
    void padTo(long alignment) throws IOException {
        while (position % alignment != 0) {
            i8(0);
        }
    }
}
