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
 * {@link FloatTensor#dequantize} of one prefill tile (32 rows × 2048, what {@link FloatTensor#matmul}
 * dequantises per tile on 16-lane vectors) on one thread, the tiles taken in turn from a
 * 256-row matrix that stays in L2. Reported as ops/s (tiles) and the {@link Traffic} rate
 * {@code values} (×1e-9 = Gvalues/s). Prefill's cost per weight beyond the float kernel that
 * every type shares: at a batch of 64 tokens a tile's dequantisation is amortised over 64 uses.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {JvmFlags.VECTOR, JvmFlags.NATIVE, JvmFlags.GC})
public class DequantizeBenchmark {
    static final int COLUMNS = 2048, TILE_ROWS = 32, ROWS = 256;

    @Param({"Q4_K", "Q6_K", "Q8_0", "Q4_0"})
    public String type;

    private Arena arena;
    private FloatTensor matrix;
    private float[] tile;
    private int next;

    @Setup
    public void build() {
        GGMLType t = GGMLType.valueOf(type);
        SplittableRandom random = new SplittableRandom(1);
        float[] weights = new float[ROWS * COLUMNS];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) (MatvecBenchmark.gaussian(random) * 0.02);
        }
        byte[] encoded = Quantizer.quantize(t, weights);
        arena = Arena.ofShared();
        MemorySegment data = arena.allocate(encoded.length, 64);
        MemorySegment.copy(MemorySegment.ofArray(encoded), 0, data, 0, encoded.length);
        matrix = FloatTensor.of(t, data, (long) ROWS * COLUMNS);
        tile = new float[TILE_ROWS * COLUMNS];
    }

    @TearDown
    public void release() {
        arena.close();
    }

    @Benchmark
    public float[] dequantizeTile(Traffic traffic) {
        matrix.dequantize((long) next * TILE_ROWS * COLUMNS, tile, 0, tile.length);
        next = (next + 1) % (ROWS / TILE_ROWS);
        traffic.values += tile.length;
        return tile;
    }
}
