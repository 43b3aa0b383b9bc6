package org.kvscope.benchmarks;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import org.kvscope.gguf.GGMLType;
import org.kvscope.tensor.FloatTensor;
import org.kvscope.tensor.Quantizer;
import org.kvscope.tensor.VectorOps;

/**
 * Bytes the calling thread allocates per {@link FloatTensor#matvec} once the JIT has compiled
 * the kernels, for each weight type: a count, not a timing, so it means the same on a loaded
 * host. A kernel whose vectors are boxed (a call C2 did not inline) shows up as bytes per row.
 * Run with one thread so that all rows run on the calling thread (the weights in a native
 * segment, as a mapped model file is: heap segments take other code paths):
 * {@code java --add-modules jdk.incubator.vector -Dkvscope.threads=1 -cp benchmarks/jmh/target/benchmarks.jar
 * org.kvscope.benchmarks.MatvecAllocations [ROWS [COLS]]}; {@code -Dkvscope.vector.bits=256}
 * for the 8-lane kernels.
 */
public final class MatvecAllocations {
    private MatvecAllocations() {}

    public static void main(String[] args) {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 512;
        int cols = args.length > 1 ? Integer.parseInt(args[1]) : 2048;
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long me = Thread.currentThread().threadId();
        for (GGMLType type : new GGMLType[] {GGMLType.F32, GGMLType.F16, GGMLType.BF16, GGMLType.Q8_0, GGMLType.Q4_0,
                GGMLType.Q4_K, GGMLType.Q6_K}) {
            SplittableRandom random = new SplittableRandom(3);
            float[] weights = new float[rows * cols];
            for (int i = 0; i < weights.length; i++) {
                weights[i] = (float) MatvecBenchmark.gaussian(random);
            }
            byte[] encoded = Quantizer.quantize(type, weights);
            MemorySegment data = Arena.ofAuto().allocate(encoded.length, 64);
            MemorySegment.copy(MemorySegment.ofArray(encoded), 0, data, 0, encoded.length);
            FloatTensor matrix = FloatTensor.of(type, data, (long) rows * cols);
            float[] x = new float[cols];
            for (int i = 0; i < cols; i++) {
                x[i] = (float) MatvecBenchmark.gaussian(random);
            }
            float[] out = new float[rows];
            for (int i = 0; i < 3000; i++) { // warm-up: C2 compiles the kernel
                matrix.matvec(x, out, rows, cols);
            }
            int products = 200;
            long before = threads.getThreadAllocatedBytes(me);
            for (int i = 0; i < products; i++) {
                matrix.matvec(x, out, rows, cols);
            }
            double perProduct = (threads.getThreadAllocatedBytes(me) - before) / (double) products;
            System.out.printf("%-5s %2d lanes %dx%d: %9.0f bytes per matvec (%.2f per row)%n", type,
                    VectorOps.F.length(), rows, cols, perProduct, perProduct / rows);
        }
    }
}
