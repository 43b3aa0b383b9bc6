package org.kvscope.tensor;

import java.lang.foreign.MemorySegment;
import org.kvscope.gguf.GGMLType;

/** The native kernels' algorithm, in Java: x quantized per block to int8, integer sums, floats per block. */
final class IntegerReference {
    /** Max |x| / 127 over x[from, from + n): the scale the kernels quantize a block of x with. */
    static float blockScale(float[] x, int from, int n) {
        float amax = 0;
        for (int i = from; i < from + n; i++) {
            amax = Math.max(amax, Math.abs(x[i]));
        }
        return amax / 127f;
    }

    private final GGMLType type;
    private final byte[] w;
    private final int cols, block;
    private final byte[] xq;
    private final float[] xd, xAbs;

    IntegerReference(GGMLType type, byte[] w, float[] x, int cols) {
        this.type = type;
        this.w = w;
        this.cols = cols;
        this.block = type.blockSize() == 256 ? 256 : 32;
        xq = new byte[cols];
        xd = new float[cols / block];
        xAbs = new float[cols];
        for (int b = 0; b < cols / block; b++) {
            float d = blockScale(x, b * block, block);
            float id = d != 0f ? 1f / d : 0f;
            xd[b] = d;
            for (int i = b * block; i < (b + 1) * block; i++) {
                float v = (float) Math.rint(x[i] * id);
                xq[i] = (byte) Math.max(-127, Math.min(127, v));
                xAbs[i] = Math.abs(x[i]);
            }
        }
    }

    private int u8(long at) { return w[Math.toIntExact(at)] & 0xFF; }

    private float f16(long at) { return Float.float16ToFloat((short) (u8(at) | u8(at + 1) << 8)); }

    private int sum(int from, int n) {
        int s = 0;
        for (int i = from; i < from + n; i++) {
            s += xq[i];
        }
        return s;
    }

    float row(int r) {
        long base = r * type.byteSize(cols);
        float sum = 0f;
        for (int b = 0; b < cols / block; b++) {
            int x0 = b * block;
            switch (type) {
                case Q4_0 -> {
                    long p = base + 18L * b;
                    int isum = -8 * sum(x0, 32);
                    for (int l = 0; l < 16; l++) {
                        isum += (u8(p + 2 + l) & 0xF) * xq[x0 + l] + (u8(p + 2 + l) >>> 4) * xq[x0 + 16 + l];
                    }
                    sum += xd[b] * f16(p) * (float) isum;
                }
                case Q8_0 -> {
                    long p = base + 34L * b;
                    int isum = 0;
                    for (int l = 0; l < 32; l++) {
                        isum += w[Math.toIntExact(p + 2 + l)] * xq[x0 + l];
                    }
                    sum += xd[b] * f16(p) * (float) isum;
                }
                case Q4_K -> {
                    long p = base + 144L * b;
                    int isum = 0, msum = 0;
                    for (int j = 0; j < 8; j++) {
                        int sc = Q4_KTensor.scaleOrMin(MemorySegment.ofArray(w), p + 4, j, 0);
                        int mn = Q4_KTensor.scaleOrMin(MemorySegment.ofArray(w), p + 4, j, 1);
                        int dot = 0;
                        for (int l = 0; l < 32; l++) {
                            int byt = u8(p + 16 + 32L * (j / 2) + l);
                            dot += (j % 2 == 0 ? byt & 0xF : byt >>> 4) * xq[x0 + 32 * j + l];
                        }
                        isum += sc * dot;
                        msum += mn * sum(x0 + 32 * j, 32);
                    }
                    sum += xd[b] * f16(p) * (float) isum - xd[b] * f16(p + 2) * (float) msum;
                }
                case Q6_K -> {
                    long p = base + 210L * b;
                    int isum = 0;
                    for (int e = 0; e < 256; e++) {
                        int half = e / 128, v = e % 128, k = v / 32, l = v % 32;
                        int ql = u8(p + half * 64L + l + ((k & 1) == 1 ? 32 : 0));
                        int low = k < 2 ? ql & 0xF : ql >>> 4;
                        int high = (u8(p + 128 + half * 32L + l) >>> (2 * k)) & 3;
                        isum += w[Math.toIntExact(p + 192 + e / 16)] * ((low | high << 4) - 32) * xq[x0 + e];
                    }
                    sum += xd[b] * f16(p + 208) * (float) isum;
                }
                default -> throw new IllegalArgumentException(type.toString());
            }
        }
        return sum;
    }

    /** Σ |w_i·x_i| of row r, the scale of its float rounding. */
    double magnitude(int r) {
        float[] deq = ReferenceDequant.dequantize(type, java.util.Arrays.copyOfRange(w,
                Math.toIntExact(r * type.byteSize(cols)), Math.toIntExact((r + 1) * type.byteSize(cols))), cols);
        double m = 0;
        for (int i = 0; i < cols; i++) {
            m += Math.abs(deq[i] * xAbs[i]);
        }
        return m;
    }
}
