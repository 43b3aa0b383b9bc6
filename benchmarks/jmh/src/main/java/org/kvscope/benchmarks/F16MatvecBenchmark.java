package org.kvscope.benchmarks;

import org.kvscope.gguf.GGMLType;

/** {@link MatvecBenchmark} on F16: halves converted in registers with an index of the tensor's subnormals, zeros and non-finite values on 16 lanes; the buffered path on AVX2. {@code scale} 0.02 gives a real model's share of subnormals. */
public class F16MatvecBenchmark extends MatvecBenchmark {
    @Override
    protected GGMLType type() {
        return GGMLType.F16;
    }
}
