package org.kvscope.backend.cuda;

import org.kvscope.gguf.GGMLType;

/**
 * A weight matrix on the device in its raw GGUF layout: {@code rows} rows of {@code cols} elements,
 * each row {@code type.byteSize(cols)} bytes (GGUF ne[0] = cols, ne[1] = rows). {@code data} is usually
 * a {@link DeviceBuffer#slice} of an uploaded tensor region.
 */
public record WeightMatrix(GGMLType type, DeviceBuffer data, int rows, int cols) {
    /** Validates type, shape, buffer size and alignment. */
    public WeightMatrix {
        WeightLayout.check(type, rows, cols, data.byteSize(), data.offsetInAllocation());
    }

    /** Bytes per row. */
    public long rowBytes() {
        return type.byteSize(cols);
    }
}
