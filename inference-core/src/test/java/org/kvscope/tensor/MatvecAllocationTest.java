package org.kvscope.tensor;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
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
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MatvecAllocationTest {
    private static final int ROWS = 64, COLS = 512, PRODUCTS = 50, WINDOWS = 200;
    /** Less than one boxed vector for every eight rows. */
    private static final long LIMIT = ROWS * 8L;

    /** First: the Java kernels compiled as in a process that uses only them (the native bodies would change the profile). */
    @Order(1)
    @ParameterizedTest
    @FieldSource("org.kvscope.tensor.TestData#TYPES")
    void aCompiledMatvecAllocatesNoBoxedVectorPerRow(GGMLType type) {
        NativeKernels.use("java");
        try {
            assertFewBytesPerProduct(type, "java kernels");
        } finally {
            NativeKernels.use("native");
        }
    }

    /** The native kernels' products (x copied, and quantized, into kept native buffers) allocate nothing either. */
    @Order(2)
    @ParameterizedTest
    @EnumSource(value = GGMLType.class, names = {"Q4_0", "Q8_0", "Q4_K", "Q6_K", "F32", "F16", "BF16"})
    void aNativeMatvecAllocatesNothingPerRow(GGMLType type) {
        assumeTrue(NativeKernels.active(), "native kernels unavailable: " + NativeKernels.unavailableReason());
        assertFewBytesPerProduct(type, "native kernels");
    }

    private static void assertFewBytesPerProduct(GGMLType type, String kernels) {
        float[] w = TestData.gaussian(31, ROWS * COLS), x = TestData.gaussian(32, COLS);
        byte[] encoded = Quantizer.quantize(type, w);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment data = arena.allocate(encoded.length, 64); // native, as a mapped model file's weights
            MemorySegment.copy(MemorySegment.ofArray(encoded), 0, data, 0, encoded.length);
            FloatTensor matrix = FloatTensor.of(type, data, w.length);
            float[] out = new float[ROWS];
            long best = bestPerProduct(() -> matrix.matvec(x, out, ROWS, COLS));
            assertTrue(best <= LIMIT, type + " on " + VectorOps.F.length() + " lanes, " + kernels + ": " + best
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
