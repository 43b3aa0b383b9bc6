package org.kvscope.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kvscope.gguf.GGMLType;

/**
 * The per-thread arrays that matrix-vector products prepare from x: never shared within a product, reused by the next.
 * The float kernels' prepared inputs (the native kernels keep theirs apart; NativeKernelsTest covers them).
 */
@ExactKernels
class PreparedInputsTest {

    @Test
    void arraysAreDistinctWithinAProductAndReusedByTheNext() {
        PreparedInputs.startProduct();
        Set<float[]> taken = Collections.newSetFromMap(new IdentityHashMap<>());
        float[] first = PreparedInputs.take(64);
        taken.add(first);
        for (int i = 1; i < 20; i++) { // past the pooled slots: new arrays, still all distinct
            float[] a = PreparedInputs.take(64);
            assertTrue(a.length >= 64);
            assertTrue(taken.add(a), "array " + i + " handed out twice in one product");
        }
        PreparedInputs.startProduct();
        assertSame(first, PreparedInputs.take(32), "the next product reuses the first array");
        assertNotSame(first, PreparedInputs.take(32));
    }

    /**
     * Products of different widths one after the other, and several matrices in one fused
     * product: reused arrays are longer than a narrower product needs, and the K-quant kernels'
     * run sums must use only their own part.
     */
    @ParameterizedTest
    @EnumSource(value = GGMLType.class, names = {"Q8_0", "Q4_K", "Q6_K", "Q4_0", "F16"})
    void productsOfChangingWidthsMatchTheReference(GGMLType type) {
        int rows = 24;
        for (int cols : new int[] {768, 256, 512, 256}) {
            float[] w = TensorKernelsTest.gaussian(rows * cols, cols);
            FloatTensor t = TensorKernelsTest.tensor(type, w);
            FloatTensor u = TensorKernelsTest.tensor(type, TensorKernelsTest.gaussian(rows * cols, cols + 1));
            float[] x = TensorKernelsTest.gaussian(cols, cols + 2);
            float[] out = new float[rows];
            t.matvec(x, out, rows, cols);
            assertRowsMatch(t, x, out, rows, cols, type + " matvec cols " + cols);
            float[][] fused = {new float[rows], new float[rows], new float[rows]};
            FloatTensor.matvecs(x, cols, new FloatTensor[] {u, t, u}, fused, new int[] {rows, rows, rows});
            assertRowsMatch(u, x, fused[0], rows, cols, type + " fused first, cols " + cols);
            assertRowsMatch(t, x, fused[1], rows, cols, type + " fused second, cols " + cols);
            assertRowsMatch(u, x, fused[2], rows, cols, type + " fused third, cols " + cols);
        }
    }

    private static void assertRowsMatch(FloatTensor t, float[] x, float[] out, int rows, int cols, String what) {
        float[] deq = new float[rows * cols];
        t.dequantize(0, deq, 0, deq.length);
        TensorKernelsTest.assertRowsMatchReference(deq, x, out, rows, cols, what);
    }
}
