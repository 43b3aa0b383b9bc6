package org.kvscope.backend.cuda;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Shared setup for tests that need a GPU: they skip when {@link CudaAvailability#probe()} says no. */
final class GpuTestSupport {
    private GpuTestSupport() {}

    static CudaContext openOrSkip() {
        CudaAvailability probe = CudaAvailability.probe();
        assumeTrue(probe.available(), "skipped: " + probe.describe());
        return CudaContext.create();
    }

    static float[] randomFloats(Random random, int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) random.nextGaussian() * scale;
        return v;
    }

    /** Element-wise |a - b| <= abs + rel * |b|. */
    static void assertClose(float[] expected, float[] actual, double abs, double rel, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        for (int i = 0; i < expected.length; i++) {
            double tol = abs + rel * Math.abs(expected[i]);
            if (!(Math.abs(expected[i] - actual[i]) <= tol)) {
                throw new AssertionError(what + " differs at " + i + ": expected " + expected[i] + " got " + actual[i]
                        + " (tolerance " + tol + ")");
            }
        }
    }
}
