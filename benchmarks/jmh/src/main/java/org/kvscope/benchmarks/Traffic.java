package org.kvscope.benchmarks;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What a benchmark's operations moved, reported by JMH next to ops/s as rates: {@code bytes}
 * (weight or buffer bytes moved per second: ×1e-9 for GB/s) and {@code values} (matrix
 * elements per second: ×1e-9 for Gvalues/s). Summed over the benchmark's threads.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class Traffic {
    public long bytes;
    public long values;

    @Setup(Level.Iteration)
    public void clear() {
        bytes = 0;
        values = 0;
    }
}
