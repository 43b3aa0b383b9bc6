package org.kvscope.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.kvscope.model.Model;
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
 * Every matrix a decoded token multiplies (seven per layer and the output head), once each,
 * through {@code FloatTensor.matvec}, from memory: one op is one token's weight matvecs. The
 * {@code bytes} rate is the decode matvecs' GB/s (×1e-9). {@code -p model=PATH.gguf} is required;
 * threads with {@code -jvmArgsAppend -Dkvscope.threads=N}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 8, time = 2)
@Fork(value = 1, jvmArgs = {JvmFlags.VECTOR, JvmFlags.NATIVE, JvmFlags.GC})
public class DecodeMatvecsBenchmark {
    @Param({""})
    public String model;

    private Model loaded;
    private List<WeightMatrix> matrices;
    private long bytesPerToken;
    private float[] x;
    private float[] out;

    @Setup
    public void load() {
        loaded = WeightMatrix.load(model);
        matrices = new ArrayList<>(WeightMatrix.layers(loaded));
        var c = loaded.config();
        matrices.add(new WeightMatrix(loaded.weights().output(), c.vocabSize(), c.dim()));
        bytesPerToken = matrices.stream().mapToLong(WeightMatrix::bytes).sum();
        SplittableRandom random = new SplittableRandom(1);
        x = new float[Math.max(c.ffnDim(), c.qDim())];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) MatvecBenchmark.gaussian(random);
        }
        out = new float[Math.max(c.vocabSize(), c.ffnDim())];
    }

    @TearDown
    public void close() {
        loaded.close();
    }

    @Benchmark
    public float[] allMatrices(Traffic traffic) {
        for (WeightMatrix m : matrices) {
            m.tensor().matvec(x, 0, out, 0, m.rows(), m.cols());
        }
        traffic.bytes += bytesPerToken;
        return out;
    }
}
