package org.kvscope.benchmarks;

import org.kvscope.gguf.GGMLType;

/** {@link MatvecBenchmark} on Q4_0 (18-byte blocks of 32 four-bit values and an F16 scale): nibbles by table look-up on AVX-512, by subtract-and-convert on AVX2. */
public class Q4_0MatvecBenchmark extends MatvecBenchmark {
    @Override
    protected GGMLType type() {
        return GGMLType.Q4_0;
    }
}
