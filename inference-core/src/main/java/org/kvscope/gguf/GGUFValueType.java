package org.kvscope.gguf;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Types of GGUF metadata values, numbered as in the file format. The Java class used for each
 * type is described on {@link GGUFMetadata}.
 */
public enum GGUFValueType {
    UINT8(0, 1),
    INT8(1, 1),
    UINT16(2, 2),
    INT16(3, 2),
    UINT32(4, 4),
    INT32(5, 4),
    FLOAT32(6, 4),
    BOOL(7, 1),
    STRING(8, 8),
    ARRAY(9, 12),
    UINT64(10, 8),
    INT64(11, 8),
    FLOAT64(12, 8);

    private static final GGUFValueType[] BY_ID = new GGUFValueType[13];

    static {
        for (GGUFValueType t : values()) {
            BY_ID[t.id] = t;
        }
    }

    private final int id;
    private final int minEncodedSize;

    GGUFValueType(int id, int minEncodedSize) {
        this.id = id;
        this.minEncodedSize = minEncodedSize;
    }

    /** The numeric id stored in the file. */
    public int id() { return id; }

    /** True for the eight integer types (not BOOL). */
    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    /** True for integer and floating-point types. */
    public boolean isNumeric() {
        return isInteger() || this == FLOAT32 || this == FLOAT64;
    }

    /**
     * Fewest bytes one value of this type occupies in a file: the exact size for fixed-size
     * types, the length prefix for STRING, element type plus count for ARRAY.
     */
    int minEncodedSize() { return minEncodedSize; }

    /** The type with this id. */
    public static GGUFValueType fromId(int id) {
        if (id >= 0 && id < BY_ID.length) {
            return BY_ID[id];
        }
        throw new IllegalArgumentException("unknown GGUF metadata value type id " + id + "; valid ids are "
                + Arrays.stream(values()).map(t -> t.name() + "=" + t.id).collect(Collectors.joining(", ")));
    }
}
