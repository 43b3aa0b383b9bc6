package org.kvscope.benchmarks;

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
 * Every layer matrix of a model multiplied by a batch of {@code batch} inputs through
 * {@code FloatTensor.matmul}, as prefill does (output head left out): one op is one batch. The
 * {@link Arithmetic#flops} rate is GFLOP/s (×1e-9); ops/s × batch is the matmuls' share of prefill tok/s.
 * {@code -p model=PATH.gguf} is required.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 4)
@Measurement(iterations = 5, time = 4)
@Fork(value = 1, jvmArgs = {JvmFlags.VECTOR, JvmFlags.NATIVE, JvmFlags.GC})
public class PrefillMatmulsBenchmark {
    @Param({""})
    public String model;

    @Param({"256"})
    public int batch;

    private Model loaded;
    private List<WeightMatrix> matrices;
    private long flopsPerBatch;
    private float[] x;
    private float[] out;

    @Setup
    public void load() {
        loaded = WeightMatrix.load(model);
        matrices = WeightMatrix.layers(loaded);
        var c = loaded.config();
        flopsPerBatch = matrices.stream().mapToLong(m -> 2L * batch * m.rows() * m.cols()).sum();
        SplittableRandom random = new SplittableRandom(1);
        x = new float[batch * Math.max(c.ffnDim(), c.qDim())];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) MatvecBenchmark.gaussian(random);
        }
        out = new float[batch * Math.max(c.ffnDim(), c.dim())];
    }

    @TearDown
    public void close() {
        loaded.close();
    }

    @Benchmark
    public float[] allLayerMatrices(Arithmetic arithmetic) {
        for (WeightMatrix m : matrices) {
            m.tensor().matmul(x, out, batch, m.rows(), m.cols());
        }
        arithmetic.flops += flopsPerBatch;
        return out;
    }
}
