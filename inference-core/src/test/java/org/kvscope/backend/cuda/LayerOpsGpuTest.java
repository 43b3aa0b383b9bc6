package org.kvscope.backend.cuda;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.kvscope.backend.cuda.GpuTestSupport.assertClose;
import static org.kvscope.backend.cuda.GpuTestSupport.randomFloats;

/** rmsnorm, rope (both pairings), swiglu, add and softmax against scalar Java. */
class LayerOpsGpuTest extends GpuKernelTest {
    @Test
    void rmsNorm() {
        Random random = new Random(1);
        int batch = 3, dim = 1000;
        float[] x = randomFloats(random, batch * dim, 2f);
        float[] w = randomFloats(random, dim, 1f);
        try (DeviceBuffer xb = context.upload(x); DeviceBuffer wb = context.upload(w);
             DeviceBuffer out = context.allocate(4L * x.length)) {
            kernels.rmsNorm(xb, wb, out, batch, dim, 1e-5f, context.defaultStream());
            assertClose(Reference.rmsNorm(x, w, batch, dim, 1e-5f), out.toFloats(x.length), 1e-5, 1e-4, "rmsnorm");
        }
    }

    @Test
    void ropeBothPairingsWithAndWithoutFrequencyFactors() {
        Random random = new Random(2);
        int batch = 4, heads = 3, headDim = 64;
        int[] positions = {0, 7, 513, 4095};
        float[] factors = new float[24];
        for (int i = 0; i < factors.length; i++) factors[i] = 1 + i * 0.5f;
        for (RopePairing pairing : RopePairing.values()) {
            for (int rotDim : new int[] {64, 48}) {
                for (boolean withFactors : new boolean[] {false, true}) {
                    if (withFactors && rotDim != 48) continue;
                    float[] vec = randomFloats(random, batch * heads * headDim, 1f);
                    float[] expected = Reference.rope(vec, positions, heads, headDim, rotDim,
                            pairing == RopePairing.NEOX, 10000.0, withFactors ? factors : null);
                    try (DeviceBuffer vb = context.upload(vec); DeviceBuffer pb = context.upload(positions);
                         DeviceBuffer fb = context.upload(factors)) {
                        kernels.rope(vb, pb, batch, heads, headDim, rotDim, pairing, 10000f, withFactors ? fb : null,
                                context.defaultStream());
                        assertClose(expected, vb.toFloats(vec.length), 2e-4, 1e-4,
                                "rope " + pairing + " rotDim " + rotDim + " factors " + withFactors);
                    }
                }
            }
        }
    }

    @Test
    void ropeWithPrecomputedInverseFrequencies() {
        Random random = new Random(3);
        int heads = 2, headDim = 16;
        int[] positions = {5, 300};
        float[] inv = new float[8];
        float[] factors = new float[8];
        for (int i = 0; i < 8; i++) {
            factors[i] = 2f;
            inv[i] = (float) (Math.pow(500000.0, -2.0 * i / headDim) / 2);
        }
        float[] vec = randomFloats(random, 2 * heads * headDim, 1f);
        float[] expected = Reference.rope(vec, positions, heads, headDim, headDim, false, 500000.0, factors);
        try (DeviceBuffer vb = context.upload(vec); DeviceBuffer pb = context.upload(positions);
             DeviceBuffer ib = context.upload(inv)) {
            kernels.ropeWithInverseFrequencies(vb, pb, 2, heads, headDim, headDim, RopePairing.INTERLEAVED, ib,
                    context.defaultStream());
            assertClose(expected, vb.toFloats(vec.length), 2e-4, 1e-4, "rope inverse frequencies");
        }
    }

    @Test
    void swigluAddAndSoftmax() {
        Random random = new Random(4);
        int n = 5000;
        float[] gate = randomFloats(random, n, 3f);
        float[] up = randomFloats(random, n, 1f);
        float[] swiglu = new float[n];
        float[] sum = new float[n];
        for (int i = 0; i < n; i++) {
            swiglu[i] = (float) (gate[i] / (1 + Math.exp(-gate[i])) * up[i]);
            sum[i] = gate[i] + up[i];
        }
        try (DeviceBuffer g = context.upload(gate); DeviceBuffer u = context.upload(up);
             DeviceBuffer out = context.allocate(4L * n)) {
            kernels.swiglu(g, u, out, n, context.defaultStream());
            assertClose(swiglu, out.toFloats(n), 1e-5, 1e-5, "swiglu");
            kernels.add(g, u, g, n, context.defaultStream());
            assertClose(sum, g.toFloats(n), 1e-6, 1e-6, "add in place");
        }
        int rows = 3, len = 777;
        float[] logits = randomFloats(random, rows * len, 5f);
        try (DeviceBuffer b = context.upload(logits)) {
            kernels.softmax(b, rows, len, context.defaultStream());
            assertClose(Reference.softmax(logits, rows, len), b.toFloats(rows * len), 1e-7, 1e-4, "softmax");
        }
    }
}
