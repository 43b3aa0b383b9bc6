package org.kvscope.benchmarks;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Floating-point operations a benchmark's operations did, reported by JMH next to ops/s as the
 * rate {@code flops} (×1e-9 for GFLOP/s), summed over the benchmark's threads.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class Arithmetic {
    public long flops;

    @Setup(Level.Iteration)
    public void clear() {
        flops = 0;
    }
}
