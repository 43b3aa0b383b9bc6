package org.kvscope.gguf;

/**
 * One stored metadata value with its GGUF type.
 *
 * @param type        stored type
 * @param elementType element type when {@code type} is ARRAY, otherwise null
 * @param value       Java value, mapped as described on {@link GGUFMetadata}
 */
record MetadataEntry(GGUFValueType type, GGUFValueType elementType, Object value) {

    /** The type as people read it, e.g. {@code UINT32} or {@code ARRAY of STRING}. */
    String describeType() {
        return type == GGUFValueType.ARRAY ? "ARRAY of " + elementType : type.name();
    }
}
