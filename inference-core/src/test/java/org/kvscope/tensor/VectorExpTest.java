package org.kvscope.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The polynomial e^x used by softmax and SwiGLU: accuracy, edges, and vector = scalar bit for bit. */
class VectorExpTest {

    @Test
    void withinTwoUlpOfMathExpAcrossTheRange() {
        SplittableRandom r = new SplittableRandom(11);
        double worstUlps = 0;
        for (int i = 0; i < 200_000; i++) {
            float x = (float) (r.nextDouble() * (88.0 + 87.3) - 87.3);
            float e = VectorOps.exp(x);
            double ref = Math.exp(x);
            double ulps = Math.abs(e - ref) / Math.ulp((float) ref);
            worstUlps = Math.max(worstUlps, ulps);
        }
        assertTrue(worstUlps <= 2.0, "worst error " + worstUlps + " ulp");
    }

    @Test
    void edgesAndSpecialValues() {
        assertEquals(1f, VectorOps.exp(0f), 0f);
        assertEquals(0f, VectorOps.exp(-88f), 0f, "below the smallest normal: exactly 0, no denormal");
        assertEquals(0f, VectorOps.exp(Float.NEGATIVE_INFINITY), 0f);
        assertEquals(Float.POSITIVE_INFINITY, VectorOps.exp(89f), 0f);
        assertEquals(Float.POSITIVE_INFINITY, VectorOps.exp(Float.POSITIVE_INFINITY), 0f);
        assertTrue(Float.isNaN(VectorOps.exp(Float.NaN)));
        float smallest = VectorOps.exp(-87.33654f);
        assertTrue(smallest >= Float.MIN_NORMAL && smallest < 1.2e-38f, "e^-87.33654 = " + smallest);
        assertEquals(Math.exp(88.0), VectorOps.exp(88f), Math.ulp((float) Math.exp(88.0)) * 2);
    }

    @Test
    void vectorLanesEqualTheScalarFunctionBitForBit() {
        SplittableRandom r = new SplittableRandom(12);
        int lanes = VectorOps.F.length();
        float[] x = new float[lanes * 4096], out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextDouble() * 200 - 100);
        }
        x[0] = Float.NaN;
        x[1] = Float.NEGATIVE_INFINITY;
        x[2] = Float.POSITIVE_INFINITY;
        x[3] = -0f;
        for (int i = 0; i < x.length; i += lanes) {
            VectorOps.exp(FloatVector.fromArray(VectorOps.F, x, i)).intoArray(out, i);
        }
        for (int i = 0; i < x.length; i++) {
            assertEquals(Float.floatToIntBits(VectorOps.exp(x[i])), Float.floatToIntBits(out[i]), "x = " + x[i]);
        }
    }
}
