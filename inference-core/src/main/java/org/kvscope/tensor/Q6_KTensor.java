package org.kvscope.tensor;

import java.lang.foreign.MemorySegment;
import org.kvscope.gguf.GGMLType;

/**
 * Q6_K: super-blocks of 256 values in 210 bytes: 128 bytes of low 4 bits (ql), 64 bytes of high 2
 * bits (qh), sixteen signed 8-bit scales (one per 16 values) and an f16 d; x = d·scale·(q − 32).
 * Each half of 128 values uses 64 ql bytes and 32 qh bytes: value l + 32·k (k = 0..3) takes ql
 * byte l (k even) or l + 32 (k odd), low nibble for k &lt; 2 and high for k ≥ 2, and bits 2k..2k+1
 * of qh byte l.
 */
public final class Q6_KTensor extends SegmentTensor {
    static final int BLOCK = 256, BYTES = 210;

    Q6_KTensor(MemorySegment m, long size) {
        super(m, size);
    }

    @Override public GGMLType type() { return GGMLType.Q6_K; }

    private int quant(long block, int e) {
        int half = e / 128, w = e % 128, k = w / 32, l = w % 32;
        int ql = Layouts.u8(m, block + half * 64L + l + ((k & 1) == 1 ? 32 : 0));
        int low = k < 2 ? ql & 0xF : ql >>> 4;
        int high = (Layouts.u8(m, block + 128 + half * 32L + l) >>> (2 * k)) & 3;
        return (low | (high << 4)) - 32;
    }

    @Override
    public float getFloat(long i) {
        long block = (i / BLOCK) * BYTES;
        int e = (int) (i % BLOCK);
        float d = Layouts.f16(m, block + 208);
        return d * m.get(Layouts.BYTE, block + 192 + e / 16) * quant(block, e);
    }

    @Override
    protected void dequantizeBlocks(long offset, float[] dst, int dstOffset, int n) {
        for (int j = 0; j < n; j += BLOCK) {
            long block = ((offset + j) / BLOCK) * BYTES;
            float d = Layouts.f16(m, block + 208);
            for (int half = 0; half < 2; half++) {
                long ql = block + half * 64L, qh = block + 128 + half * 32L;
                int base = dstOffset + j + half * 128;
                for (int l = 0; l < 32; l++) {
                    int a = Layouts.u8(m, ql + l), b = Layouts.u8(m, ql + l + 32), h = Layouts.u8(m, qh + l);
                    int q1 = ((a & 0xF) | ((h & 3) << 4)) - 32;
                    int q2 = ((b & 0xF) | (((h >>> 2) & 3) << 4)) - 32;
                    int q3 = ((a >>> 4) | (((h >>> 4) & 3) << 4)) - 32;
                    int q4 = ((b >>> 4) | (((h >>> 6) & 3) << 4)) - 32;
                    int sc = half * 8 + l / 16;
                    dst[base + l] = d * m.get(Layouts.BYTE, block + 192 + sc) * q1;
                    dst[base + l + 32] = d * m.get(Layouts.BYTE, block + 192 + sc + 2) * q2;
                    dst[base + l + 64] = d * m.get(Layouts.BYTE, block + 192 + sc + 4) * q3;
                    dst[base + l + 96] = d * m.get(Layouts.BYTE, block + 192 + sc + 6) * q4;
                }
            }
        }
    }
}
