package org.kvscope.tensor;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.kvscope.gguf.GGMLType;

/**
 * Bytes allocated per matrix-vector product once the JIT has compiled the kernels, on the calling
 * thread and the parallel workers together: a count, not a timing. A kernel whose final vector
 * crosses a call C2 did not inline boxes it once per row (64 bytes on 8 lanes, 96 on 16), which
 * the limit catches; the fixed cost of a product (its prepared inputs' bookkeeping) stays far
 * below it. Runs at the CPU's width and on 8 lanes, each in a JVM of its own (inference-core's pom):
 * compilations shaped by other tests could change what C2 inlines.
 */
class MatvecAllocationTest {
    private static final int ROWS = 64, COLS = 512, PRODUCTS = 50, WINDOWS = 200;
    /** Less than one boxed vector for every eight rows. */
    private static final long LIMIT = ROWS * 8L;

    @ParameterizedTest
    @FieldSource("org.kvscope.tensor.TestData#TYPES")
    void aCompiledMatvecAllocatesNoBoxedVectorPerRow(GGMLType type) {
        float[] w = TestData.gaussian(31, ROWS * COLS), x = TestData.gaussian(32, COLS);
        byte[] encoded = Quantizer.quantize(type, w);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment data = arena.allocate(encoded.length, 64); // native, as a mapped model file's weights
            MemorySegment.copy(MemorySegment.ofArray(encoded), 0, data, 0, encoded.length);
            FloatTensor matrix = FloatTensor.of(type, data, w.length);
            float[] out = new float[ROWS];
            long best = bestPerProduct(() -> matrix.matvec(x, out, ROWS, COLS));
            assertTrue(best <= LIMIT, type + " on " + VectorOps.F.length() + " lanes: " + best
                    + " bytes per " + ROWS + "-row product (limit " + LIMIT + ")");
        }
    }

    /** The fewest bytes per product over windows of {@link #PRODUCTS}, stopping at the first under the limit. */
    private static long bestPerProduct(Runnable product) {
        long best = Long.MAX_VALUE;
        for (int w = 0; w < WINDOWS && best > LIMIT; w++) {
            long[] ids = WorkerAllocations.threads();
            long before = WorkerAllocations.allocated(ids);
            for (int i = 0; i < PRODUCTS; i++) {
                product.run();
            }
            best = Math.min(best, (WorkerAllocations.allocated(ids) - before) / PRODUCTS);
        }
        return best;
    }
}
