package org.kvscope.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.kvscope.gguf.GGMLType;

/**
 * Encodes floats into ggml block layouts, for writing synthetic GGUF files and for tests. The
 * K-quant encoders pick per-sub-block scale and minimum from the value range (a simple,
 * reasonable reference, not llama.cpp's iterative search).
 */
public final class Quantizer {
    private Quantizer() {}

    public static byte[] quantize(GGMLType type, float[] x) {
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(type.byteSize(x.length))).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case F32 -> {
                for (float v : x) {
                    out.putFloat(v);
                }
            }
            case F16 -> {
                for (float v : x) {
                    out.putShort(Float.floatToFloat16(v));
                }
            }
            case BF16 -> {
                for (float v : x) {
                    out.putShort(toBf16(v));
                }
            }
            case Q8_0 -> q8_0(x, out);
            case Q4_0 -> q4_0(x, out);
            case Q4_K -> q4_k(x, out);
            case Q6_K -> q6_k(x, out);
            default -> throw new UnsupportedTensorTypeException(type);
        }
        return out.array();
    }

    /** Round-to-nearest-even bfloat16. */
    static short toBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    private static void q8_0(float[] x, ByteBuffer out) {
        for (int b = 0; b < x.length; b += 32) {
            float amax = 0;
            for (int i = 0; i < 32; i++) {
                amax = Math.max(amax, Math.abs(x[b + i]));
            }
            float d = amax / 127f;
            float id = d == 0 ? 0 : 1 / d;
            out.putShort(Float.floatToFloat16(d));
            for (int i = 0; i < 32; i++) {
                out.put((byte) Math.round(x[b + i] * id));
            }
        }
    }

    private static void q4_0(float[] x, ByteBuffer out) {
        for (int b = 0; b < x.length; b += 32) {
            float max = 0, amax = 0;
            for (int i = 0; i < 32; i++) {
                if (Math.abs(x[b + i]) > amax) {
                    amax = Math.abs(x[b + i]);
                    max = x[b + i];
                }
            }
            float d = max / -8f;
            float id = d == 0 ? 0 : 1 / d;
            out.putShort(Float.floatToFloat16(d));
            for (int i = 0; i < 16; i++) {
                int lo = Math.min(15, (int) (x[b + i] * id + 8.5f));
                int hi = Math.min(15, (int) (x[b + 16 + i] * id + 8.5f));
                out.put((byte) (lo | (hi << 4)));
            }
        }
    }

    private static void q4_k(float[] x, ByteBuffer out) {
        for (int b = 0; b < x.length; b += 256) {
            float[] scale = new float[8], min = new float[8];
            for (int s = 0; s < 8; s++) {
                float lo = 0, hi = 0;
                for (int i = 0; i < 32; i++) {
                    float v = x[b + 32 * s + i];
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
                scale[s] = (hi - lo) / 15f;
                min[s] = -lo;
            }
            float maxScale = 0, maxMin = 0;
            for (int s = 0; s < 8; s++) {
                maxScale = Math.max(maxScale, scale[s]);
                maxMin = Math.max(maxMin, min[s]);
            }
            float d = Float.float16ToFloat(Float.floatToFloat16(maxScale / 63f));
            float dmin = Float.float16ToFloat(Float.floatToFloat16(maxMin / 63f));
            int[] sc = new int[8], mn = new int[8];
            for (int s = 0; s < 8; s++) {
                sc[s] = d == 0 ? 0 : Math.min(63, Math.round(scale[s] / d));
                mn[s] = dmin == 0 ? 0 : Math.min(63, Math.round(min[s] / dmin));
            }
            out.putShort(Float.floatToFloat16(d));
            out.putShort(Float.floatToFloat16(dmin));
            byte[] packed = new byte[12];
            for (int j = 0; j < 4; j++) {
                packed[j] = (byte) (sc[j] | ((sc[j + 4] >> 4) << 6));
                packed[j + 4] = (byte) (mn[j] | ((mn[j + 4] >> 4) << 6));
                packed[j + 8] = (byte) ((sc[j + 4] & 0xF) | ((mn[j + 4] & 0xF) << 4));
            }
            out.put(packed);
            int[] q = new int[256];
            for (int s = 0; s < 8; s++) {
                float ds = d * sc[s], ms = dmin * mn[s];
                for (int i = 0; i < 32; i++) {
                    int v = ds == 0 ? 0 : Math.round((x[b + 32 * s + i] + ms) / ds);
                    q[32 * s + i] = Math.max(0, Math.min(15, v));
                }
            }
            for (int chunk = 0; chunk < 4; chunk++) {
                for (int l = 0; l < 32; l++) {
                    out.put((byte) (q[chunk * 64 + l] | (q[chunk * 64 + 32 + l] << 4)));
                }
            }
        }
    }

    private static void q6_k(float[] x, ByteBuffer out) {
        for (int b = 0; b < x.length; b += 256) {
            float[] scale = new float[16];
            float maxAbsScale = 0;
            for (int s = 0; s < 16; s++) {
                float max = 0, amax = 0;
                for (int i = 0; i < 16; i++) {
                    float v = x[b + 16 * s + i];
                    if (Math.abs(v) > amax) {
                        amax = Math.abs(v);
                        max = v;
                    }
                }
                scale[s] = max / -32f;
                maxAbsScale = Math.max(maxAbsScale, Math.abs(scale[s]));
            }
            float d = Float.float16ToFloat(Float.floatToFloat16(maxAbsScale / 127f));
            byte[] sc = new byte[16];
            int[] q = new int[256];
            for (int s = 0; s < 16; s++) {
                int si = d == 0 ? 0 : Math.max(-128, Math.min(127, Math.round(scale[s] / d)));
                sc[s] = (byte) si;
                float ds = d * si;
                for (int i = 0; i < 16; i++) {
                    int v = ds == 0 ? 0 : Math.round(x[b + 16 * s + i] / ds);
                    q[16 * s + i] = Math.max(0, Math.min(63, v + 32));
                }
            }
            byte[] ql = new byte[128], qh = new byte[64];
            for (int half = 0; half < 2; half++) {
                for (int l = 0; l < 32; l++) {
                    int q1 = q[half * 128 + l], q2 = q[half * 128 + 32 + l];
                    int q3 = q[half * 128 + 64 + l], q4 = q[half * 128 + 96 + l];
                    ql[half * 64 + l] = (byte) ((q1 & 0xF) | ((q3 & 0xF) << 4));
                    ql[half * 64 + l + 32] = (byte) ((q2 & 0xF) | ((q4 & 0xF) << 4));
                    qh[half * 32 + l] = (byte) ((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
                }
            }
            out.put(ql);
            out.put(qh);
            out.put(sc);
            out.putShort(Float.floatToFloat16(d));
        }
    }
}
