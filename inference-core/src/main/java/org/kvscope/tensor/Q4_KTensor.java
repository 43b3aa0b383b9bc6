package org.kvscope.tensor;

import java.lang.foreign.MemorySegment;
import org.kvscope.gguf.GGMLType;

/**
 * Q4_K: super-blocks of 256 values in 144 bytes: f16 d, f16 dmin, 12 bytes packing eight 6-bit
 * scales and eight 6-bit mins, and 128 bytes of 4-bit quants. Eight sub-blocks of 32 values;
 * x = d·scale·q − dmin·min. Within each 64-value chunk the first 32 values are the low nibbles
 * of 32 bytes and the next 32 their high nibbles.
 */
public final class Q4_KTensor extends SegmentTensor {
    static final int BLOCK = 256, BYTES = 144;

    Q4_KTensor(MemorySegment m, long size) {
        super(m, size);
    }

    @Override public GGMLType type() { return GGMLType.Q4_K; }

    /** 6-bit scale (which = 0) or min (which = 1) of sub-block j from the 12 packed bytes at s. */
    static int scaleOrMin(MemorySegment m, long s, int j, int which) {
        if (j < 4) {
            return Layouts.u8(m, s + j + 4L * which) & 63;
        }
        int low = Layouts.u8(m, s + j + 4);
        int high = Layouts.u8(m, s + j - 4 + 4L * which) >>> 6;
        return (which == 0 ? low & 0xF : low >>> 4) | (high << 4);
    }

    @Override
    public float getFloat(long i) {
        long block = (i / BLOCK) * BYTES;
        int e = (int) (i % BLOCK);
        int chunk = e / 64, within = e % 64;
        int sub = 2 * chunk + (within >= 32 ? 1 : 0);
        int b = Layouts.u8(m, block + 16 + chunk * 32L + (within % 32));
        int q = within < 32 ? b & 0xF : b >>> 4;
        float d = Layouts.f16(m, block), dmin = Layouts.f16(m, block + 2);
        return d * scaleOrMin(m, block + 4, sub, 0) * q - dmin * scaleOrMin(m, block + 4, sub, 1);
    }

    @Override
    protected void dequantizeBlocks(long offset, float[] dst, int dstOffset, int n) {
        for (int j = 0; j < n; j += BLOCK) {
            long block = ((offset + j) / BLOCK) * BYTES;
            float d = Layouts.f16(m, block), dmin = Layouts.f16(m, block + 2);
            for (int chunk = 0; chunk < 4; chunk++) {
                float d1 = d * scaleOrMin(m, block + 4, 2 * chunk, 0);
                float m1 = dmin * scaleOrMin(m, block + 4, 2 * chunk, 1);
                float d2 = d * scaleOrMin(m, block + 4, 2 * chunk + 1, 0);
                float m2 = dmin * scaleOrMin(m, block + 4, 2 * chunk + 1, 1);
                int base = dstOffset + j + chunk * 64;
                long qs = block + 16 + chunk * 32L;
                for (int l = 0; l < 32; l++) {
                    int b = Layouts.u8(m, qs + l);
                    dst[base + l] = d1 * (b & 0xF) - m1;
                    dst[base + 32 + l] = d2 * (b >>> 4) - m2;
                }
            }
        }
    }
}
