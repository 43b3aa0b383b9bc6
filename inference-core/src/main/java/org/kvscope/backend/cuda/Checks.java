package org.kvscope.backend.cuda;

/** Argument checks shared by the launchers; every failure names the argument and what is valid. */
final class Checks {
    private Checks() {}

    static void positive(String name, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }

    static void nonNegative(String name, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, got " + value);
        }
    }

    static void atMost(String name, long value, long max) {
        if (value > max) {
            throw new IllegalArgumentException(name + " must be <= " + max + ", got " + value);
        }
    }

    /** [offset, offset+length) must lie inside [0, size). */
    static void range(String what, long offset, long length, long size) {
        if (offset < 0 || length < 0 || offset > size - length) {
            throw new IndexOutOfBoundsException(what + ": bytes [" + offset + ", " + (offset + length)
                    + ") do not fit in a buffer of " + size + " bytes");
        }
    }

    /** The buffer must hold at least {@code bytes} bytes. */
    static void capacity(String name, long bufferBytes, long bytes) {
        if (bufferBytes < bytes) {
            throw new IllegalArgumentException(name + " holds " + bufferBytes + " bytes but " + bytes + " are needed");
        }
    }

    static void aligned(String name, long offset, int alignment) {
        if (offset % alignment != 0) {
            throw new IllegalArgumentException(name + " must start at a multiple of " + alignment
                    + " bytes in its allocation, but starts at " + offset);
        }
    }

    static long floats(long count) {
        return Math.multiplyExact(count, 4L);
    }
}
