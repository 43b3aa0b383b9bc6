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

    private static final int LANES = F.length();

    /**
     * Sum of a vector's lanes (of the preferred species) in a fixed order: as if halves were added
     * lane-wise (512 → 256 → 128 bits), then the last four lanes as (l0 + l2) + (l1 + l3).
     * {@code reduceLanes(ADD)} may add in any order, and its interpreted and compiled forms differ
     * in the last bit; here results are identical however far the JIT has got.
     *
     * <p>Single-lane extractions, written out with no helper method: C2 may decline to inline
     * even a tiny helper ("low call site frequency", judged from profile counts at the moment of
     * compilation), and a vector passed to a call that is not inlined is boxed. With the earlier
     * form, halves through {@code reinterpretShape(…, 1)}, the Q8_0 matrix-vector product ran at
     * 82% of the same kernel ending in {@code reduceLanes}; with this one, 88% (one core, rows in
     * L2: {@code Q8_0MatvecBenchmark} in benchmarks/jmh, docs/BENCHMARKS.md, sixth session).
     */
    public static float sum(FloatVector v) {
        if (LANES == 16) { // a constant: the JIT keeps one branch
            return (((v.lane(0) + v.lane(8)) + (v.lane(4) + v.lane(12)))
                    + ((v.lane(2) + v.lane(10)) + (v.lane(6) + v.lane(14))))
                    + (((v.lane(1) + v.lane(9)) + (v.lane(5) + v.lane(13)))
                    + ((v.lane(3) + v.lane(11)) + (v.lane(7) + v.lane(15))));
        }
        if (LANES == 8) {
            return ((v.lane(0) + v.lane(4)) + (v.lane(2) + v.lane(6)))
                    + ((v.lane(1) + v.lane(5)) + (v.lane(3) + v.lane(7)));
        }
        if (LANES == 4) {
            return (v.lane(0) + v.lane(2)) + (v.lane(1) + v.lane(3));
        }
        return sumInOrder(v);
    }

    /**
     * The lanes of a vector stored with {@code v.intoArray(lanes, 0)}, added in {@link #sum}'s
     * order, so the result is {@code sum(v)} bit for bit. For kernels whose C2 compilation
     * stops inlining before the final {@link #sum} (NodeCountInliningCutoff on the K-quant
     * kernels, seen with -XX:+PrintInlining): a vector passed to a call that is not inlined is
     * boxed (96 bytes per row), an array is not. Also the scalar kernels' way to add lanes as
     * the vector kernels do.
     */
    public static float sumLanes(float[] lanes) {
        if (LANES == 16) {
            return (((lanes[0] + lanes[8]) + (lanes[4] + lanes[12]))
                    + ((lanes[2] + lanes[10]) + (lanes[6] + lanes[14])))
                    + (((lanes[1] + lanes[9]) + (lanes[5] + lanes[13]))
                    + ((lanes[3] + lanes[11]) + (lanes[7] + lanes[15])));
        }
        if (LANES == 8) {
            return ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6])) + ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]));
        }
        if (LANES == 4) {
            return (lanes[0] + lanes[2]) + (lanes[1] + lanes[3]);
        }
        float s = 0f;
        for (int i = 0; i < LANES; i++) {
            s += lanes[i];
        }
        return s;
    }

    private static float sumInOrder(FloatVector v) {
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

    // exp(x) = 2^n · e^r with n = round(x / ln 2) and |r| ≤ ln 2 / 2; e^r by a degree-7 series in
    // Horner form (relative error below 2e-7 on that interval). Every step is a lane-wise IEEE
    // operation (fma is fused in the interpreter too), so the result is the same at every JIT tier.
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    /** 1.5·2^23: adding it rounds a float below 2^22 in magnitude to an integer, kept in the low mantissa bits. */
    private static final float ROUND = 12582912f;
    private static final int ROUND_BITS = 0x4B400000;
    /**
     * Below EXP_MIN, e^x is under the smallest normal float and is returned as 0; above EXP_MAX
     * the exponent would not fit 2^127 and +∞ is returned (Math.exp overflows only at 88.72).
     */
    private static final float EXP_MIN = -87.33654f, EXP_MAX = 88f;
    private static final float C2 = 0.5f, C3 = 1.6666667e-1f, C4 = 4.1666668e-2f, C5 = 8.3333338e-3f,
            C6 = 1.3888889e-3f, C7 = 1.9841270e-4f;

    /** e^x lane by lane: within 2 ulp of {@link Math#exp} on [−87.33, 88]; 0 below (no denormals), +∞ above. */
    public static FloatVector exp(FloatVector x) {
        FloatVector c = x.max(EXP_MIN).min(EXP_MAX);
        FloatVector t = c.fma(LOG2E, ROUND);
        FloatVector n = t.sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(F, -LN2_HI), c);
        r = n.fma(FloatVector.broadcast(F, -LN2_LO), r);
        FloatVector p = r.fma(C7, C6);
        p = p.fma(r, FloatVector.broadcast(F, C5));
        p = p.fma(r, FloatVector.broadcast(F, C4));
        p = p.fma(r, FloatVector.broadcast(F, C3));
        p = p.fma(r, FloatVector.broadcast(F, C2));
        p = p.fma(r, FloatVector.broadcast(F, 1f));
        p = p.fma(r, FloatVector.broadcast(F, 1f));
        jdk.incubator.vector.IntVector bits = t.reinterpretAsInts().sub(ROUND_BITS - 127).lanewise(VectorOperators.LSHL, 23);
        FloatVector e = p.mul(bits.reinterpretAsFloats());
        return e.blend(0f, x.compare(VectorOperators.LT, EXP_MIN)).blend(Float.POSITIVE_INFINITY,
                x.compare(VectorOperators.GT, EXP_MAX));
    }

    /** The scalar twin of {@link #exp(FloatVector)}, bit for bit, for loop tails. */
    public static float exp(float x) {
        if (x < EXP_MIN) {
            return 0f;
        } else if (x > EXP_MAX) {
            return Float.POSITIVE_INFINITY;
        } else if (Float.isNaN(x)) {
            return x;
        }
        float t = Math.fma(x, LOG2E, ROUND);
        float n = t - ROUND;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(r, C7, C6);
        p = Math.fma(p, r, C5);
        p = Math.fma(p, r, C4);
        p = Math.fma(p, r, C3);
        p = Math.fma(p, r, C2);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        int bits = (Float.floatToRawIntBits(t) - (ROUND_BITS - 127)) << 23;
        return p * Float.intBitsToFloat(bits);
    }

    /**
     * a[i] = e^(a[i] − shift) for i in [0, n), returns their sum (added in a fixed order). The
     * softmax step of attention, with {@code shift} the row's maximum.
     */
    public static float expShifted(float[] a, int n, float shift) {
        return expShifted(a, 0, n, shift);
    }

    /** a[from + i] = e^(a[from + i] − shift) for i in [0, n), returns their sum (added in a fixed order). */
    public static float expShifted(float[] a, int from, int n, float shift) {
        return expShifted(a, from, n, shift, LANES_SCRATCH.get());
    }

    private static final ThreadLocal<float[]> LANES_SCRATCH = ThreadLocal.withInitial(() -> new float[LANES]);

    /**
     * {@link #expShifted(float[], int, int, float)}, the vector sum added through {@code lanes}
     * (at least one vector's floats of scratch) by {@link #sumLanes}, the same sum bit for bit:
     * inlined into a large kernel whose compilation C2 cuts off before the call to {@link #sum},
     * it boxes no vector.
     */
    public static float expShifted(float[] a, int from, int n, float shift, float[] lanes) {
        int L = F.length();
        FloatVector s = FloatVector.broadcast(F, shift);
        FloatVector acc = FloatVector.zero(F);
        int i = from, end = from + n;
        for (; i + L <= end; i += L) {
            FloatVector e = exp(FloatVector.fromArray(F, a, i).sub(s));
            e.intoArray(a, i);
            acc = acc.add(e);
        }
        acc.intoArray(lanes, 0);
        float sum = sumLanes(lanes);
        for (; i < end; i++) {
            a[i] = exp(a[i] - shift);
            sum += a[i];
        }
        return sum;
    }

    /** SwiGLU in place for i in [from, to): gate[i] = silu(gate[i]) · up[i], silu(g) = g / (1 + e^−g). */
    public static void swiglu(float[] gate, float[] up, int from, int to) {
        int L = F.length();
        int i = from;
        for (; i + L <= to; i += L) {
            FloatVector g = FloatVector.fromArray(F, gate, i);
            FloatVector silu = g.div(exp(g.neg()).add(1f));
            silu.mul(FloatVector.fromArray(F, up, i)).intoArray(gate, i);
        }
        for (; i < to; i++) {
            float g = gate[i];
            gate[i] = g / (exp(-g) + 1f) * up[i];
        }
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

    /**
     * sum[k] = (((sum[k] + w[o + k]) + w[o + s + k]) + w[o + 2s + k]) + w[o + 3s + k] for k in [0, n): four rows of
     * stride s added to a sum in row order, reading and writing the sum once. Each element gets the adds
     * {@code sum[k] += row[k]} row after row would give it, so the same floats.
     */
    public static void addFourRows(float[] sum, float[] w, int o, int s, int n) {
        int k = 0;
        for (; k + LANES <= n; k += LANES) {
            FloatVector.fromArray(F, sum, k)
                    .add(FloatVector.fromArray(F, w, o + k))
                    .add(FloatVector.fromArray(F, w, o + s + k))
                    .add(FloatVector.fromArray(F, w, o + 2 * s + k))
                    .add(FloatVector.fromArray(F, w, o + 3 * s + k))
                    .intoArray(sum, k);
        }
        for (; k < n; k++) {
            sum[k] = sum[k] + w[o + k] + w[o + s + k] + w[o + 2 * s + k] + w[o + 3 * s + k];
        }
    }
}
