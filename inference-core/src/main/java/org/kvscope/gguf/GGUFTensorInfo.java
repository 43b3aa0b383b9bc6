package org.kvscope.gguf;

import java.util.Arrays;

/**
 * One entry of a GGUF tensor table.
 *
 * @param shape  ggml dimensions, innermost first ({@code shape[0]} is the row length)
 * @param offset byte offset of the data relative to the start of the tensor-data section
 */
public record GGUFTensorInfo(String name, long[] shape, GGMLType type, long offset) {

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public long byteSize() {
        return type.byteSize(elementCount());
    }

    /** Row length (ne[0]). */
    public int cols() {
        return Math.toIntExact(shape[0]);
    }

    /** Number of rows (product of ne[1..]). */
    public int rows() {
        return Math.toIntExact(elementCount() / shape[0]);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape) + " @" + offset;
    }
}
