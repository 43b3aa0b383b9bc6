package org.kvscope.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import org.kvscope.gguf.GGMLType;

/**
 * IEEE 754 half-precision floats. The Vector API has no half→float conversion, but C2
 * auto-vectorises a plain loop of {@link Float#float16ToFloat} into the CPU's conversion
 * instruction (F16C / AVX-512), so rows are converted chunk by chunk into a small per-thread
 * buffer that stays in L1 and dotted from there.
 */
public final class F16Tensor extends SegmentTensor {
    /** Halves converted per step of {@link #dot}: 2 KiB of floats, well inside L1. */
    private static final int CHUNK = 512;
    private static final ThreadLocal<float[]> CHUNK_BUFFER = ThreadLocal.withInitial(() -> new float[CHUNK]);

    F16Tensor(MemorySegment m, long size) {
        super(m, size);
    }

    @Override public GGMLType type() { return GGMLType.F16; }

    @Override
    public float getFloat(long i) {
        return Layouts.f16(m, i * 2);
    }

    @Override
    protected void dequantizeBlocks(long offset, float[] dst, int dstOffset, int n) {
        convert(offset * 2, dst, dstOffset, n);
    }

    /** n halves from byteOffset into dst; kept as a simple counted loop so C2 vectorises it. */
    private void convert(long byteOffset, float[] dst, int dstOffset, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOffset + i] = Float.float16ToFloat(m.get(Layouts.SHORT, byteOffset + 2L * i));
        }
    }

    @Override
    public float dot(long offset, float[] x, int xo, int n) {
        int L = F.length();
        float[] buffer = CHUNK_BUFFER.get();
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        float tail = 0f;
        for (int c = 0; c < n; c += CHUNK) {
            int len = Math.min(CHUNK, n - c);
            convert((offset + c) * 2, buffer, 0, len);
            int i = 0;
            for (; i + 4 * L <= len; i += 4 * L) {
                a0 = FloatVector.fromArray(F, buffer, i).fma(FloatVector.fromArray(F, x, xo + c + i), a0);
                a1 = FloatVector.fromArray(F, buffer, i + L).fma(FloatVector.fromArray(F, x, xo + c + i + L), a1);
                a2 = FloatVector.fromArray(F, buffer, i + 2 * L).fma(FloatVector.fromArray(F, x, xo + c + i + 2 * L), a2);
                a3 = FloatVector.fromArray(F, buffer, i + 3 * L).fma(FloatVector.fromArray(F, x, xo + c + i + 3 * L), a3);
            }
            for (; i < len; i++) {
                tail += buffer[i] * x[xo + c + i];
            }
        }
        return VectorOps.sum(a0.add(a1).add(a2.add(a3))) + tail;
    }
}
