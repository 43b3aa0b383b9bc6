package org.kvscope.benchmarks;

import org.kvscope.gguf.GGMLType;

/** {@link MatvecBenchmark} on Q4_K (256-value super-blocks, 4-bit quants, 6-bit scales and mins). */
public class Q4_KMatvecBenchmark extends MatvecBenchmark {
    @Override
    protected GGMLType type() {
        return GGMLType.Q4_K;
    }
}
