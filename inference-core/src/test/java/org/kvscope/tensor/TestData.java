package org.kvscope.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.kvscope.gguf.GGMLType;

/** Seeded random fixtures shared by the tensor tests. */
final class TestData {
    static final GGMLType[] TYPES = {
        GGMLType.F32, GGMLType.F16, GGMLType.BF16, GGMLType.Q8_0, GGMLType.Q4_0, GGMLType.Q4_K, GGMLType.Q6_K};

    private TestData() {}

    /** Gaussian values with a per-block varying spread, so blocks get different scales. */
    static float[] gaussian(long seed, int n) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            float spread = 0.02f * (1 + (i / 32) % 5);
            v[i] = (float) r.nextGaussian() * spread;
        }
        return v;
    }

    /** A tensor of {@code values} quantized as {@code type}, plus its encoded bytes. */
    record Quantized(GGMLType type, byte[] bytes, FloatTensor tensor) {
        static Quantized of(GGMLType type, float[] values) {
            byte[] bytes = Quantizer.quantize(type, values);
            return new Quantized(type, bytes, FloatTensor.of(type, MemorySegment.ofArray(bytes), values.length));
        }

        float[] reference() {
            return ReferenceDequant.dequantize(type, bytes, (int) tensor.size());
        }
    }
}
