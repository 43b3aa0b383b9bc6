package org.kvscope.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.kvscope.gguf.GGMLType;

/** The F16 fast path's exceptions, and dots that cross them at any offset and length. */
class HalfExceptionsTest {
    /** Halves of model-like weights (std 0.02: a few in a thousand subnormal) with zeros and specials planted. */
    static short[] halves(int n, long seed, double zeroChance) {
        Random r = new Random(seed);
        short[] h = new short[n];
        for (int i = 0; i < n; i++) {
            double u = r.nextDouble();
            h[i] = u < zeroChance ? (short) (r.nextBoolean() ? 0x8000 : 0)
                    : Float.floatToFloat16((float) (r.nextGaussian() * 0.02));
        }
        return h;
    }

    /** h with about {@code chance} of its halves replaced by infinities and NaNs of either sign. */
    static short[] withSpecials(short[] h, long seed, double chance) {
        Random r = new Random(seed);
        short[] special = {(short) 0x7c00, (short) 0xfc00, (short) 0x7e00, (short) 0xfd01};
        for (int i = 0; i < h.length; i++) {
            if (r.nextDouble() < chance) {
                h[i] = special[r.nextInt(special.length)];
            }
        }
        return h;
    }

    static MemorySegment segment(short[] h) {
        byte[] b = new byte[2 * h.length];
        for (int i = 0; i < h.length; i++) {
            b[2 * i] = (byte) h[i];
            b[2 * i + 1] = (byte) (h[i] >> 8);
        }
        return MemorySegment.ofArray(b);
    }

    static int[] expected(short[] h) {
        List<Integer> e = new ArrayList<>();
        for (int i = 0; i < h.length; i++) {
            if ((h[i] & 0x7c00) == 0x7c00) {
                e.add(i);
            }
        }
        return e.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void findsInfinitiesAndNaNsInOrderButNotZerosOrSubnormals() {
        int n = (1 << 20) * 3 + 4099; // three scan chunks, a partial one, and a tail shorter than a vector
        short[] h = withSpecials(halves(n, 3, 0.01), 4, 0.001);
        h[17] = (short) 0x7c00;
        h[n - 1] = (short) 0xfc00;
        h[n - 2] = (short) 0x7e01;
        h[1 << 20] = (short) 0x7c01;
        h[(1 << 20) + 1] = (short) 0x0001; // subnormal: exact in the fast conversion
        HalfExceptions e = HalfExceptions.find(segment(h), n);
        assertNotNull(e);
        int[] want = expected(h);
        assertTrue(want.length > 3000, "the fixture holds thousands of exceptions: " + want.length);
        assertArrayEquals(want, e.positions());
        for (long offset : new long[] {0, 17, 18, 1023, 1024, 1 << 20, n - 3, n - 1, n}) {
            int k = e.firstAtOrAfter(offset);
            assertTrue(k == want.length || want[k] >= offset, "at " + offset);
            assertTrue(k == 0 || want[k - 1] < offset, "before " + offset);
        }
    }

    @Test
    void givesUpWhereExceptionsAreCommon() {
        short[] h = withSpecials(halves(10_000, 4, 0), 5, 0.2);
        assertNull(HalfExceptions.find(segment(h), h.length));
        assertNull(HalfExceptions.find(segment(withSpecials(halves(10_000, 4, 0), 5, 0.05)), 10_000));
        assertNotNull(HalfExceptions.find(segment(withSpecials(halves(10_000, 4, 0), 5, 0.02)), 10_000));
        assertNotNull(HalfExceptions.find(segment(halves(10_000, 4, 0.5)), 10_000), "zeros are no exceptions");
    }

    /** Σ h·x in double from the exact conversion. */
    static double reference(short[] h, int offset, float[] x, int xo, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += (double) Float.float16ToFloat(h[offset + i]) * x[xo + i];
        }
        return s;
    }

    @Test
    void dotsAtAnyOffsetAndLengthMatchTheExactConversion() {
        for (double zeros : new double[] {0, 0.01, 0.3}) { // none, many (fast path), too many (exact path)
            int n = 6000;
            short[] h = halves(n, 5, zeros);
            FloatTensor t = FloatTensor.of(GGMLType.F16, segment(h), n);
            float[] x = TestData.gaussian(6, n);
            Random r = new Random(7);
            for (int trial = 0; trial < 200; trial++) {
                int offset = r.nextInt(n - 1), len = 1 + r.nextInt(Math.min(700, n - offset)), xo = r.nextInt(n - len + 1);
                double want = reference(h, offset, x, xo, len), scale = 0;
                for (int i = 0; i < len; i++) {
                    scale += Math.abs((double) Float.float16ToFloat(h[offset + i]) * x[xo + i]);
                }
                assertEquals(want, t.dot(offset, x, xo, len), 1e-6 * scale + 1e-30,
                        "zeros " + zeros + " offset " + offset + " length " + len);
            }
        }
    }

    @Test
    void matvecOverManyRowsMatchesTheExactConversion() {
        int rows = 300, cols = 576; // SmolLM2's width: not a multiple of a 16-lane pair of vectors
        short[] h = halves(rows * cols, 8, 0.002);
        FloatTensor t = FloatTensor.of(GGMLType.F16, segment(h), h.length);
        float[] x = TestData.gaussian(9, cols);
        float[] out = new float[rows];
        t.matvec(x, out, rows, cols);
        for (int r = 0; r < rows; r++) {
            assertEquals(reference(h, r * cols, x, 0, cols), out[r], 1e-5, "row " + r);
        }
    }

    @Test
    void matvecCarriesInfinitiesNaNsZerosAndHugeInputs() {
        int rows = 40, cols = 600; // a tail of 24 values after the whole 32-value groups of 16 lanes
        short[] h = halves(rows * cols, 10, 0.3);
        h[3 * cols + 100] = (short) 0x7c00;
        h[7 * cols + 590] = (short) 0xfc00; // in the tail
        h[9 * cols + 5] = (short) 0x7e00;
        h[11 * cols + 6] = (short) 0x0003; // subnormal
        FloatTensor t = FloatTensor.of(GGMLType.F16, segment(h), h.length);
        float[] x = TestData.gaussian(11, cols);
        float[] out = new float[rows];
        for (float first : new float[] {x[0], 3e20f}) { // 3e20 ≥ 2^60: the exact path
            x[0] = first;
            t.matvec(x, out, rows, cols);
            for (int r = 0; r < rows; r++) {
                double want = reference(h, r * cols, x, 0, cols);
                assertEquals(want, out[r], 1e-5 * Math.max(1, Math.abs(first)), "row " + r + ", x[0] " + first);
            }
            assertEquals(Math.signum(x[100]) * Double.POSITIVE_INFINITY, out[3]);
            assertEquals(-Math.signum(x[590]) * Double.POSITIVE_INFINITY, out[7]);
            assertTrue(Float.isNaN(out[9]));
        }
    }
}
