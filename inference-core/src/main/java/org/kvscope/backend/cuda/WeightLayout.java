package org.kvscope.backend.cuda;

import org.kvscope.gguf.GGMLType;

import java.util.EnumMap;
import java.util.Map;
import java.util.stream.Collectors;

/** Which weight types the CUDA matmul kernels read, and the layout rules they rely on. */
public final class WeightLayout {
    private static final Map<GGMLType, String> KERNEL_SUFFIX = new EnumMap<>(Map.of(
            GGMLType.F32, "f32", GGMLType.F16, "f16", GGMLType.BF16, "bf16", GGMLType.Q4_0, "q4_0",
            GGMLType.Q8_0, "q8_0", GGMLType.Q4_K, "q4_k", GGMLType.Q6_K, "q6_k"));

    private WeightLayout() {}

    /** True when the CUDA kernels can multiply with weights of this type. */
    public static boolean supports(GGMLType type) {
        return KERNEL_SUFFIX.containsKey(type);
    }

    /** Comma-separated names of the supported types. */
    public static String supportedNames() {
        return KERNEL_SUFFIX.keySet().stream().map(Enum::name).collect(Collectors.joining(", "));
    }

    static String kernelSuffix(GGMLType type) {
        String suffix = KERNEL_SUFFIX.get(type);
        if (suffix == null) {
            throw new IllegalArgumentException("CUDA matmul has no kernel for " + type + "; supported: " + supportedNames());
        }
        return suffix;
    }

    /** Byte alignment the kernels need for the start of a matrix of this type (vector loads). */
    public static int alignment(GGMLType type) {
        return switch (type) {
            case F32, F16, BF16 -> 16;
            case Q4_K -> 4;
            default -> 2;
        };
    }

    /**
     * Checks a [rows][cols] matrix of {@code type} stored in raw GGUF layout in {@code bufferBytes}
     * bytes starting {@code offsetInAllocation} bytes into its allocation, and returns the bytes per row.
     */
    public static long check(GGMLType type, int rows, int cols, long bufferBytes, long offsetInAllocation) {
        kernelSuffix(type);
        Checks.positive("rows", rows);
        Checks.positive("cols", cols);
        long rowBytes = type.byteSize(cols);
        Checks.capacity(type + " weight buffer for " + rows + "x" + cols, bufferBytes, Math.multiplyExact(rowBytes, (long) rows));
        Checks.aligned(type + " weight buffer", offsetInAllocation, alignment(type));
        return rowBytes;
    }
}
