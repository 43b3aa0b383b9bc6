package org.kvscope.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The input layout of {@link F16Tensor}'s decode kernel, which reads a row as plain int lanes:
 * each lane holds two neighbouring halves, the even element in its low 16 bits and the odd one
 * in its high 16 bits. Converting both where they sit needs no widening load (a shuffle per
 * vector on x86). x is reordered once per product to match ({@link #split}): per group of two
 * vectors' worth of values, the even elements first, then the odd ones.
 *
 * <p>Tried for BF16 too (2026-12-03): the kernel alone ran faster on one core, but decode did
 * not (docs/BENCHMARKS.md), so BF16 keeps its widening loads.
 */
final class HalfPairs {
    static final VectorSpecies<Float> F = VectorOps.F;

    private HalfPairs() {}

    /**
     * x scaled by {@code scale} and reordered per group of 2L values (L = F.length()):
     * x'[g + k] = s·x[g + 2k] and x'[g + L + k] = s·x[g + 2k + 1] for k &lt; L; values past the
     * last whole group keep their place. The first cols elements of an array from
     * {@link PreparedInputs#take}.
     */
    static float[] split(float[] x, int xOffset, int cols, float scale) {
        int L = F.length();
        float[] xp = PreparedInputs.take(cols);
        int g = 0;
        for (; g + 2 * L <= cols; g += 2 * L) {
            for (int k = 0; k < L; k++) {
                xp[g + k] = x[xOffset + g + 2 * k] * scale;
                xp[g + L + k] = x[xOffset + g + 2 * k + 1] * scale;
            }
        }
        for (; g < cols; g++) {
            xp[g] = x[xOffset + g] * scale;
        }
        return xp;
    }

    /** The first index of a row's tail: the values after its whole groups. */
    static int tailStart(int cols) {
        return cols - cols % (2 * F.length());
    }
}
