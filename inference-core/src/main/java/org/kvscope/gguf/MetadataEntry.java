package org.kvscope.gguf;

/**
 * One stored metadata value with its GGUF type.
 *
 * @param type        stored type
 * @param elementType element type when {@code type} is ARRAY, otherwise null
 * @param value       Java value, mapped as described on {@link GGUFMetadata}, or a {@link LazyStrings}
 */
record MetadataEntry(GGUFValueType type, GGUFValueType elementType, Object value) {

    /** The value; an array of strings still in the file ({@link LazyStrings}) is decoded here, once. */
    @Override
    public Object value() {
        return value instanceof LazyStrings lazy ? lazy.strings() : value;
    }

    /** The number of elements of an array value (without decoding a lazy one), or -1 for a scalar. */
    int arrayLength() {
        return switch (value) {
            case LazyStrings lazy -> lazy.length();
            case Object v when type == GGUFValueType.ARRAY -> java.lang.reflect.Array.getLength(v);
            default -> -1;
        };
    }

    /** The type as people read it, e.g. {@code UINT32} or {@code ARRAY of STRING}. */
    String describeType() {
        return type == GGUFValueType.ARRAY ? "ARRAY of " + elementType : type.name();
    }
}
