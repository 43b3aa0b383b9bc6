package org.kvscope.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.kvscope.gguf.GGMLType;

/**
 * Plain scalar decoders written directly from the ggml block layouts, independent of the
 * production kernels, used as the oracle in tests.
 */
final class ReferenceDequant {
    private ReferenceDequant() {}

    static float[] dequantize(GGMLType type, byte[] bytes, int n) {
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] y = new float[n];
        switch (type) {
            case F32 -> { for (int i = 0; i < n; i++) y[i] = buf.getFloat(4 * i); }
            case F16 -> { for (int i = 0; i < n; i++) y[i] = Float.float16ToFloat(buf.getShort(2 * i)); }
            case BF16 -> { for (int i = 0; i < n; i++) y[i] = Float.intBitsToFloat((buf.getShort(2 * i) & 0xFFFF) << 16); }
            case Q8_0 -> {
                for (int b = 0; b < n / 32; b++) {
                    int o = b * 34;
                    float d = Float.float16ToFloat(buf.getShort(o));
                    for (int j = 0; j < 32; j++) y[b * 32 + j] = d * buf.get(o + 2 + j);
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < n / 32; b++) {
                    int o = b * 18;
                    float d = Float.float16ToFloat(buf.getShort(o));
                    for (int j = 0; j < 16; j++) {
                        int v = buf.get(o + 2 + j) & 0xFF;
                        y[b * 32 + j] = d * ((v & 0x0F) - 8);
                        y[b * 32 + j + 16] = d * ((v >> 4) - 8);
                    }
                }
            }
            case Q4_K -> {
                for (int b = 0; b < n / 256; b++) {
                    int o = b * 144;
                    float d = Float.float16ToFloat(buf.getShort(o));
                    float dmin = Float.float16ToFloat(buf.getShort(o + 2));
                    int[] q = new int[12];
                    for (int i = 0; i < 12; i++) q[i] = buf.get(o + 4 + i) & 0xFF;
                    int qs = o + 16;
                    int out = b * 256;
                    int is = 0;
                    for (int j = 0; j < 256; j += 64) {
                        int[] sm1 = scaleMinK4(is, q);
                        int[] sm2 = scaleMinK4(is + 1, q);
                        for (int l = 0; l < 32; l++) y[out++] = d * sm1[0] * ((buf.get(qs + l) & 0xFF) & 0xF) - dmin * sm1[1];
                        for (int l = 0; l < 32; l++) y[out++] = d * sm2[0] * ((buf.get(qs + l) & 0xFF) >> 4) - dmin * sm2[1];
                        qs += 32;
                        is += 2;
                    }
                }
            }
            case Q6_K -> {
                for (int b = 0; b < n / 256; b++) {
                    int o = b * 210;
                    float d = Float.float16ToFloat(buf.getShort(o + 208));
                    int ql = o, qh = o + 128, sc = o + 192;
                    int out = b * 256;
                    for (int half = 0; half < 2; half++) {
                        for (int l = 0; l < 32; l++) {
                            int is = l / 16;
                            int h = buf.get(qh + l) & 0xFF;
                            int a = buf.get(ql + l) & 0xFF;
                            int c = buf.get(ql + l + 32) & 0xFF;
                            int q1 = ((a & 0xF) | ((h & 3) << 4)) - 32;
                            int q2 = ((c & 0xF) | (((h >> 2) & 3) << 4)) - 32;
                            int q3 = ((a >> 4) | (((h >> 4) & 3) << 4)) - 32;
                            int q4 = ((c >> 4) | (((h >> 6) & 3) << 4)) - 32;
                            y[out + l] = d * buf.get(sc + is) * q1;
                            y[out + l + 32] = d * buf.get(sc + is + 2) * q2;
                            y[out + l + 64] = d * buf.get(sc + is + 4) * q3;
                            y[out + l + 96] = d * buf.get(sc + is + 6) * q4;
                        }
                        out += 128;
                        ql += 64;
                        qh += 32;
                        sc += 8;
                    }
                }
            }
            default -> throw new IllegalArgumentException("no reference decoder for " + type);
        }
        return y;
    }

    /** ggml's get_scale_min_k4: {scale, min} of sub-block j from the 12 packed bytes. */
    private static int[] scaleMinK4(int j, int[] q) {
        if (j < 4) {
            return new int[] {q[j] & 63, q[j + 4] & 63};
        }
        return new int[] {(q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j] >> 6) << 4)};
    }
}
