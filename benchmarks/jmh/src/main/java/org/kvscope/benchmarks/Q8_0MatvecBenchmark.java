package org.kvscope.benchmarks;

import org.kvscope.gguf.GGMLType;

/** {@link MatvecBenchmark} on Q8_0 (34-byte blocks of 32 int8 values and an F16 scale): the 16-lane byte-lane kernel on AVX-512, the 8-lane one on AVX2. */
public class Q8_0MatvecBenchmark extends MatvecBenchmark {
    @Override
    protected GGMLType type() {
        return GGMLType.Q8_0;
    }
}
