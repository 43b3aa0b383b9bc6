package org.kvscope.app.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.kvscope.tensor.VectorOps;

/**
 * One line naming the processor a benchmark ran on: model, cores, the widest SIMD extension the
 * kernel reports and the vector width the kernels use. Benchmark figures from different machines
 * are only comparable with this line beside them.
 */
public final class CpuDescription {
    private CpuDescription() {}

    public static String describe() {
        return describe(readCpuinfo(), Runtime.getRuntime().availableProcessors(), VectorOps.F.vectorBitSize());
    }

    /** From /proc/cpuinfo's lines (empty where unreadable), the core count and the kernels' vector bits. */
    static String describe(List<String> cpuinfo, int cores, int vectorBits) {
        String model = field(cpuinfo, "model name");
        String flags = " " + field(cpuinfo, "flags") + " ";
        String simd = flags.contains(" avx512f ") ? "AVX-512" : flags.contains(" avx2 ") ? "AVX2"
                : flags.contains(" avx ") ? "AVX" : flags.isBlank() ? "unknown SIMD" : "SSE";
        return String.format(Locale.ROOT, "cpu: %s, %d cores, %s; kernels use %d-bit vectors (%d floats)",
                model.isEmpty() ? System.getProperty("os.arch") : model, cores, simd, vectorBits, vectorBits / 32);
    }

    private static String field(List<String> lines, String name) {
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().equals(name)) {
                return line.substring(colon + 1).strip();
            }
        }
        return "";
    }

    private static List<String> readCpuinfo() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo"));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }
}
