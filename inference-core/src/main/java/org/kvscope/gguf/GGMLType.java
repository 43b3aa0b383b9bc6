package org.kvscope.gguf;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * ggml tensor element types as numbered in the GGUF format. Each type stores
 * {@link #blockSize()} elements in {@link #typeSize()} bytes.
 *
 * <p>Only some types can be computed with ({@link #isSupported()}); the others are listed so
 * that a file using them gets an error naming the type instead of "unknown id".
 */
public enum GGMLType {
    F32(0, 1, 4, true),
    F16(1, 1, 2, true),
    Q4_0(2, 32, 18, true),
    Q4_1(3, 32, 20, false),
    Q5_0(6, 32, 22, false),
    Q5_1(7, 32, 24, false),
    Q8_0(8, 32, 34, true),
    Q8_1(9, 32, 36, false),
    Q2_K(10, 256, 84, false),
    Q3_K(11, 256, 110, false),
    Q4_K(12, 256, 144, true),
    Q5_K(13, 256, 176, false),
    Q6_K(14, 256, 210, true),
    Q8_K(15, 256, 292, false),
    IQ2_XXS(16, 256, 66, false),
    IQ2_XS(17, 256, 74, false),
    IQ3_XXS(18, 256, 98, false),
    IQ1_S(19, 256, 50, false),
    IQ4_NL(20, 32, 18, false),
    IQ3_S(21, 256, 110, false),
    IQ2_S(22, 256, 82, false),
    IQ4_XS(23, 256, 136, false),
    I8(24, 1, 1, false),
    I16(25, 1, 2, false),
    I32(26, 1, 4, false),
    I64(27, 1, 8, false),
    F64(28, 1, 8, false),
    IQ1_M(29, 256, 56, false),
    BF16(30, 1, 2, true);

    private final int id;
    private final int blockSize;
    private final int typeSize;
    private final boolean supported;

    GGMLType(int id, int blockSize, int typeSize, boolean supported) {
        this.id = id;
        this.blockSize = blockSize;
        this.typeSize = typeSize;
        this.supported = supported;
    }

    /** The numeric id stored in GGUF tensor infos. */
    public int id() { return id; }

    /** Elements per block (1 for plain float types). */
    public int blockSize() { return blockSize; }

    /** Bytes per block. */
    public int typeSize() { return typeSize; }

    /** True when kvscope has kernels for this type. */
    public boolean isSupported() { return supported; }

    /** Bytes needed for {@code elements} elements; elements must be a multiple of the block size. */
    public long byteSize(long elements) {
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(
                    name() + " stores blocks of " + blockSize + " elements; " + elements + " is not a multiple");
        }
        return Math.multiplyExact(elements / blockSize, (long) typeSize);
    }

    /** The type with this GGUF id. */
    public static GGMLType fromId(int id) {
        for (GGMLType t : values()) {
            if (t.id == id) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown ggml tensor type id " + id
                + "; known ids are " + Arrays.stream(values()).map(t -> t.name() + "=" + t.id)
                .collect(Collectors.joining(", ")));
    }

    /** Comma-separated names of the types kvscope can compute with. */
    public static String supportedNames() {
        return Arrays.stream(values()).filter(GGMLType::isSupported).map(Enum::name)
                .collect(Collectors.joining(", "));
    }
}
