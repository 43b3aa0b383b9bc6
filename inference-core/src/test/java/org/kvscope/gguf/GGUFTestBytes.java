package org.kvscope.gguf;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Finds and patches fields in the bytes of a generated GGUF file. */
final class GGUFTestBytes {
    private GGUFTestBytes() {}

    /** Position of the (unique) ASCII text {@code s}: a key's or tensor name's bytes. */
    static int keyAt(byte[] b, String s) {
        byte[] needle = s.getBytes(StandardCharsets.US_ASCII);
        int found = -1;
        for (int i = 0; i + needle.length <= b.length; i++) {
            if (Arrays.equals(b, i, i + needle.length, needle, 0, needle.length)) {
                if (found >= 0) {
                    throw new IllegalStateException("'" + s + "' occurs more than once");
                }
                found = i;
            }
        }
        if (found < 0) {
            throw new IllegalStateException("'" + s + "' not found");
        }
        return found;
    }

    /** Position just after a key's type field: the value (for arrays, the element type field). */
    static int valueAt(byte[] b, String key) {
        return keyAt(b, key) + key.length() + 4;
    }

    /** Position just after a tensor's name: its n_dims field. */
    static int nameEnd(byte[] b, String name) {
        return keyAt(b, name) + name.length();
    }

    /** Position of a tensor's offset field. */
    static int tensorOffsetField(byte[] b, String name) {
        int dimsField = nameEnd(b, name);
        int dims = MemorySegment.ofArray(b).get(SegmentCursor.U32, dimsField);
        return dimsField + 4 + 8 * dims + 4;
    }

    static void putU32(byte[] b, int at, long v) {
        MemorySegment.ofArray(b).set(SegmentCursor.U32, at, (int) v);
    }

    static void putU64(byte[] b, int at, long v) {
        MemorySegment.ofArray(b).set(SegmentCursor.U64, at, v);
    }
}
