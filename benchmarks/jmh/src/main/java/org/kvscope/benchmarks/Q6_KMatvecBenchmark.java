package org.kvscope.benchmarks;

import org.kvscope.gguf.GGMLType;

/** {@link MatvecBenchmark} on Q6_K (256-value super-blocks, 6-bit quants, 8-bit scales; the blend kernel on 16 lanes). */
public class Q6_KMatvecBenchmark extends MatvecBenchmark {
    @Override
    protected GGMLType type() {
        return GGMLType.Q6_K;
    }
}
