package org.kvscope.gguf;

/** Metadata value types of the GGUF format, by their numeric id. */
public enum GGUFValueType {
    UINT8(0, 1), INT8(1, 1), UINT16(2, 2), INT16(3, 2), UINT32(4, 4), INT32(5, 4), FLOAT32(6, 4), BOOL(7, 1),
    STRING(8, -1), ARRAY(9, -1), UINT64(10, 8), INT64(11, 8), FLOAT64(12, 8);

    private final int id;
    private final int size;

    GGUFValueType(int id, int size) {
        this.id = id;
        this.size = size;
    }

    public int id() { return id; }

    /** Bytes of one value, or -1 for variable-size types. */
    public int size() { return size; }

    public static GGUFValueType fromId(int id) {
        for (GGUFValueType t : values()) {
            if (t.id == id) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown metadata value type " + id + " (valid: 0..12)");
    }
}
