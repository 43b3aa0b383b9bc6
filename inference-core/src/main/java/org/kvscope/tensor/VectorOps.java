package org.kvscope.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Vectorised helpers over float arrays. */
public final class VectorOps {
    /**
     * The float species of every kernel: the CPU's preferred width, unless the system property
     * {@code kvscope.vector.bits} (128, 256 or 512) names another. Tests use it to run the 4- and
     * 16-lane paths on any machine; a width the CPU lacks runs correctly but slowly.
     */
    public static final VectorSpecies<Float> F = species(System.getProperty("kvscope.vector.bits"));

    private VectorOps() {}

    static VectorSpecies<Float> species(String bits) {
        if (bits == null || bits.isBlank()) {
            return FloatVector.SPECIES_PREFERRED;
        }
        return switch (bits.strip()) {
            case "128" -> FloatVector.SPECIES_128;
            case "256" -> FloatVector.SPECIES_256;
            case "512" -> FloatVector.SPECIES_512;
            default -> throw new IllegalArgumentException(
                    "kvscope.vector.bits must be 128, 256 or 512, was '" + bits + "'");
        };
    }

    /**
     * Sum of a vector's lanes (of the preferred species) in a fixed order: halves are added lane-wise (512 → 256 → 128 bits),
     * then the last four lanes as (l0 + l2) + (l1 + l3). {@code reduceLanes(ADD)} may add in any
     * order, and its interpreted and compiled forms differ in the last bit; every step here is
     * element-wise, so results are identical however far the JIT has got.
     */
    public static float sum(FloatVector v) {
        if (F.vectorBitSize() == 512) { // a constant: the JIT keeps one branch
            v = ((FloatVector) v.reinterpretShape(FloatVector.SPECIES_256, 0))
                    .add((FloatVector) v.reinterpretShape(FloatVector.SPECIES_256, 1));
        }
        if (F.vectorBitSize() >= 256) {
            v = ((FloatVector) v.reinterpretShape(FloatVector.SPECIES_128, 0))
                    .add((FloatVector) v.reinterpretShape(FloatVector.SPECIES_128, 1));
        }
        if (F.vectorBitSize() >= 128) {
            return (v.lane(0) + v.lane(2)) + (v.lane(1) + v.lane(3));
        }
        float s = 0f;
        for (int i = 0; i < v.length(); i++) {
            s += v.lane(i);
        }
        return s;
    }

    /** Σ a[ao+i]·b[bo+i] for i in [0, n). */
    public static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int i = 0;
        float result = 0f;
        int step = F.length();
        if (n >= 4 * step) {
            FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F), s2 = FloatVector.zero(F),
                    s3 = FloatVector.zero(F);
            int bound = n - 4 * step;
            for (; i <= bound; i += 4 * step) {
                s0 = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), s0);
                s1 = FloatVector.fromArray(F, a, ao + i + step).fma(FloatVector.fromArray(F, b, bo + i + step), s1);
                s2 = FloatVector.fromArray(F, a, ao + i + 2 * step).fma(FloatVector.fromArray(F, b, bo + i + 2 * step), s2);
                s3 = FloatVector.fromArray(F, a, ao + i + 3 * step).fma(FloatVector.fromArray(F, b, bo + i + 3 * step), s3);
            }
            result = sum(s0.add(s1).add(s2.add(s3)));
        }
        for (; i + step <= n; i += step) {
            result += sum(FloatVector.fromArray(F, a, ao + i).mul(FloatVector.fromArray(F, b, bo + i)));
        }
        for (; i < n; i++) {
            result += a[ao + i] * b[bo + i];
        }
        return result;
    }

    /** y[yo+i] += a·x[xo+i]. */
    public static void axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        FloatVector av = FloatVector.broadcast(F, a);
        for (; i + F.length() <= n; i += F.length()) {
            FloatVector.fromArray(F, x, xo + i).fma(av, FloatVector.fromArray(F, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] += a * x[xo + i];
        }
    }
}
