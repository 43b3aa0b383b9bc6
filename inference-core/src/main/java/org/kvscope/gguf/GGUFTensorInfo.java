package org.kvscope.gguf;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor's entry in a GGUF file.
 *
 * @param name   tensor name, unique within the file
 * @param shape  ggml {@code ne[]}: {@code shape[0]} is the innermost dimension (the row length);
 *               1 to 4 non-negative entries
 * @param type   element type
 * @param offset byte offset of the tensor's data relative to the start of the tensor-data section
 */
public record GGUFTensorInfo(String name, long[] shape, GGMLType type, long offset) {

    /** Most dimensions a ggml tensor can have. */
    public static final int MAX_DIMS = 4;

    public GGUFTensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(type, "type");
        if (shape.length < 1 || shape.length > MAX_DIMS) {
            throw new IllegalArgumentException("tensor " + PrintableText.quote(name) + " has " + shape.length
                    + " dimensions; valid is 1 to " + MAX_DIMS);
        }
        shape = shape.clone();
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor " + PrintableText.quote(name) + " has a negative dimension in shape "
                        + Arrays.toString(shape));
            }
        }
        if (offset < 0) {
            throw new IllegalArgumentException("tensor " + PrintableText.quote(name) + " has negative data offset " + offset);
        }
    }

    /** A copy of the shape (ggml {@code ne[]}, innermost first). */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of dimensions. */
    public int dims() {
        return shape.length;
    }

    /** Size of dimension {@code i} (0 = innermost). */
    public long dim(int i) {
        return shape[i];
    }

    /** Product of all dimensions; throws ArithmeticException on overflow. */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Bytes of tensor data. */
    public long byteSize() {
        return type.byteSize(elementCount());
    }

    /** Number of rows: the product of {@code ne[1..]}. */
    public int rows() {
        long r = 1;
        for (int i = 1; i < shape.length; i++) {
            r = Math.multiplyExact(r, shape[i]);
        }
        return asInt(r, "rows");
    }

    /** Row length: {@code ne[0]}. */
    public int cols() {
        return asInt(shape[0], "columns");
    }

    private int asInt(long value, String what) {
        if (value > Integer.MAX_VALUE) {
            throw new ArithmeticException("tensor " + PrintableText.quote(name) + " has " + value + " " + what
                    + ", more than an int can index (max " + Integer.MAX_VALUE + ")");
        }
        return (int) value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GGUFTensorInfo t && name.equals(t.name) && Arrays.equals(shape, t.shape)
                && type == t.type && offset == t.offset;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(shape), type, offset);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape) + " @" + offset;
    }
}
