package org.kvscope.benchmarks;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import java.util.concurrent.TimeUnit;
import org.kvscope.tensor.FloatTensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Prefill's weight-tile transpose ({@code FloatTensor.transpose}, private, reached by reflection)
 * on a 32×2048 tile, one thread. The {@code values} rate is elements per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 1, jvmArgs = {JvmFlags.VECTOR, JvmFlags.NATIVE, JvmFlags.GC})
public class TileTransposeBenchmark {
    private static final int ROWS = 32;
    private static final int COLUMNS = 2048;
    private static final MethodHandle TRANSPOSE = transposeHandle();

    private final float[] tile = new float[ROWS * COLUMNS];
    private final float[] transposed = new float[ROWS * COLUMNS];

    @Setup
    public void fill() {
        for (int i = 0; i < tile.length; i++) {
            tile[i] = i;
        }
    }

    @Benchmark
    public float[] transpose(Traffic traffic) throws Throwable {
        TRANSPOSE.invokeExact(tile, ROWS, COLUMNS, transposed, 0, ROWS);
        traffic.values += (long) ROWS * COLUMNS;
        return transposed;
    }

    private static MethodHandle transposeHandle() {
        try {
            Method m = FloatTensor.class.getDeclaredMethod(
                    "transpose", float[].class, int.class, int.class, float[].class, int.class, int.class);
            m.setAccessible(true);
            return MethodHandles.lookup().unreflect(m);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("FloatTensor.transpose(float[], int, int, float[], int, int) is gone: update this benchmark", e);
        }
    }
}
