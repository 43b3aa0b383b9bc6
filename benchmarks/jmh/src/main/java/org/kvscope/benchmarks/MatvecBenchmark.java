package org.kvscope.benchmarks;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.kvscope.gguf.GGMLType;
import org.kvscope.tensor.FloatTensor;
import org.kvscope.tensor.Quantizer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The project's own {@link FloatTensor#matvec} (what decode runs per weight matrix, x permutation
 * included) on one synthetic {@code rows}×2048 matrix of a weight type, weights Gaussian times
 * {@code scale}. {@code rows} 256 keeps the matrix in L2 (the kernel's arithmetic alone), 8192 and
 * more stream it from memory. Threads: {@code -jvmArgsAppend -Dkvscope.threads=N} (JVM flags of the benchmark go there too: {@code -jvmArgs} would replace the Vector API flags) (default: all
 * cores). Reported as ops/s (matvecs) and the {@link Traffic} rates {@code bytes} and {@code values}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 1)
@Fork(value = 1, jvmArgs = {JvmFlags.VECTOR, JvmFlags.NATIVE, JvmFlags.GC})
public abstract class MatvecBenchmark {
    static final int COLUMNS = 2048;

    @Param({"256", "8192"})
    public int rows;

    @Param({"0.02"})
    public float scale;

    private Arena arena;
    private FloatTensor matrix;
    private long matrixBytes;
    private float[] x;
    private float[] out;

    /** The weight type this benchmark measures. */
    protected abstract GGMLType type();

    @Setup
    public void build() {
        SplittableRandom random = new SplittableRandom(1);
        float[] weights = new float[rows * COLUMNS];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) (gaussian(random) * scale);
        }
        byte[] encoded = Quantizer.quantize(type(), weights);
        arena = Arena.ofShared();
        MemorySegment data = arena.allocate(encoded.length, 64);
        MemorySegment.copy(MemorySegment.ofArray(encoded), 0, data, 0, encoded.length);
        matrix = FloatTensor.of(type(), data, (long) rows * COLUMNS);
        matrixBytes = encoded.length;
        x = new float[COLUMNS];
        for (int i = 0; i < COLUMNS; i++) {
            x[i] = (float) gaussian(random);
        }
        out = new float[rows];
    }

    @TearDown
    public void release() {
        arena.close();
    }

    @Benchmark
    public float[] matvec(Traffic traffic) {
        matrix.matvec(x, out, rows, COLUMNS);
        traffic.bytes += matrixBytes;
        traffic.values += (long) rows * COLUMNS;
        return out;
    }

    static double gaussian(SplittableRandom random) {
        double u = 1 - random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
    }
}
