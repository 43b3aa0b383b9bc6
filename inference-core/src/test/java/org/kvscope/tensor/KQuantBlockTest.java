package org.kvscope.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.kvscope.gguf.GGMLType;

/**
 * Hand-assembled Q4_K and Q6_K blocks with known bytes decode to known values.
 * These tests hold the exact float kernels to their references; NativeKernelsTest covers the native ones.
 */
@ExactKernels
class KQuantBlockTest {

    private static float[] decodeAll(FloatTensor t) {
        float[] out = new float[(int) t.size()];
        t.dequantize(0, out, 0, out.length);
        return out;
    }

    @Test
    void q4kBlockWithHandPackedScalesAndMins() {
        // scales {1,2,3,4,44,45,46,47}, mins {0,2,4,6,33,34,35,63}, d = 1.0, dmin = 0.5
        int[] scale = {1, 2, 3, 4, 44, 45, 46, 47};
        int[] min = {0, 2, 4, 6, 33, 34, 35, 63};
        byte[] block = new byte[144];
        block[0] = 0x00; block[1] = 0x3C;   // d = 1.0
        block[2] = 0x00; block[3] = 0x38;   // dmin = 0.5
        int[] packed = {0x81, 0x82, 0x83, 0x84, 0x80, 0x82, 0x84, 0xC6, 0x1C, 0x2D, 0x3E, 0xFF};
        for (int i = 0; i < 12; i++) {
            block[4 + i] = (byte) packed[i];
        }
        // in every 32-byte chunk, byte l holds q = l % 16 (low) and 15 - l % 16 (high)
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                block[16 + 32 * c + l] = (byte) ((l % 16) | ((15 - l % 16) << 4));
            }
        }
        FloatTensor t = FloatTensor.of(GGMLType.Q4_K, MemorySegment.ofArray(block), 256);
        float[] y = decodeAll(t);
        assertEquals(5f, y[5]);                   // sub-block 0: 1 * 5 - 0.5 * 0
        assertEquals(23f, y[35]);                 // sub-block 1: 2 * 12 - 0.5 * 2
        assertEquals(27.5f, y[129]);              // sub-block 4: 44 * 1 - 0.5 * 33
        assertEquals(673.5f, y[224]);             // sub-block 7: 47 * 15 - 0.5 * 63
        assertEquals(-31.5f, y[255]);             // sub-block 7: 47 * 0 - 0.5 * 63
        for (int e = 0; e < 256; e++) {
            int sub = e / 32;
            int l = e % 32;
            int q = (sub % 2 == 0) ? l % 16 : 15 - l % 16;
            float expected = scale[sub] * q - 0.5f * min[sub];
            assertEquals(expected, y[e], "element " + e);
            assertEquals(expected, t.getFloat(e), "getFloat " + e);
        }
    }

    @Test
    void q6kBlockWithHandSetBits() {
        byte[] block = new byte[210];
        block[0] = 0x21;               // ql[0]: element 0 low nibble 1, element 64 low nibble 2
        block[32] = 0x43;              // ql[32]: element 32 low nibble 3, element 96 low nibble 4
        block[64] = (byte) 0xF5;       // ql[64] (second half): element 128 low 5, element 192 low 15
        block[128] = (byte) 0xE4;      // qh[0] = 11 10 01 00: high bits 0, 1, 2, 3 for elements 0, 32, 64, 96
        for (int s = 0; s < 16; s++) {
            block[192 + s] = (byte) (s % 2 == 0 ? s / 2 + 1 : -(s / 2 + 1));   // 1,-1,2,-2,...,8,-8
        }
        block[208] = 0x00; block[209] = 0x38;   // d = 0.5
        FloatTensor t = FloatTensor.of(GGMLType.Q6_K, MemorySegment.ofArray(block), 256);
        float[] y = decodeAll(t);
        assertEquals(-15.5f, y[0]);     // 0.5 * 1 * (1 - 32)
        assertEquals(-13f, y[32]);      // 0.5 * 2 * (3 + 16 - 32)
        assertEquals(3f, y[64]);        // 0.5 * 3 * (2 + 32 - 32)
        assertEquals(40f, y[96]);       // 0.5 * 4 * (4 + 48 - 32)
        assertEquals(-67.5f, y[128]);   // 0.5 * 5 * (5 - 32)
        assertEquals(-59.5f, y[192]);   // 0.5 * 7 * (15 - 32)
        assertEquals(16f, y[16]);       // 0.5 * -1 * -32
        assertEquals(128f, y[255]);     // 0.5 * -8 * -32
        assertEquals(-16f, y[1]);       // 0.5 * 1 * -32
        for (int e = 0; e < 256; e++) {
            assertEquals(y[e], t.getFloat(e), "getFloat " + e);
        }
    }

    /**
     * Random bytes in every quant, scale and high-bit field (so each nibble position, the top
     * one included, holds every value and every 6-bit Q6_K quant occurs): decode's products at
     * every vector width equal Σ getFloat·x in double to 1e-5 of Σ|w·x|. Rows of 768 values: an
     * odd number of super-blocks, a multiple of neither 512 nor the 128-value load groups' pairs.
     */
    @Test
    void matvecOfRandomBitsMatchesGetFloat() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(17);
        int rows = 5, cols = 768;
        float[] x = new float[cols];
        for (int i = 0; i < cols; i++) {
            x[i] = (float) (random.nextDouble() * 2 - 1);
        }
        for (GGMLType type : new GGMLType[] {GGMLType.Q4_K, GGMLType.Q6_K}) {
            int blockBytes = type == GGMLType.Q4_K ? 144 : 210;
            byte[] bytes = new byte[rows * cols / 256 * blockBytes];
            random.nextBytes(bytes);
            for (int b = 0; b < bytes.length; b += blockBytes) { // f16 d (and dmin) in 2^-10..2^-7, positive
                int at = type == GGMLType.Q4_K ? b : b + 208;
                for (int h = 0; h < (type == GGMLType.Q4_K ? 2 : 1); h++) {
                    short half = Float.floatToFloat16((float) (0x1p-10 * (1 + 7 * random.nextDouble())));
                    bytes[at + 2 * h] = (byte) half;
                    bytes[at + 2 * h + 1] = (byte) (half >> 8);
                }
            }
            FloatTensor t = FloatTensor.of(type, MemorySegment.ofArray(bytes), (long) rows * cols);
            float[] out = new float[rows];
            t.matvec(x, out, rows, cols);
            for (int r = 0; r < rows; r++) {
                double ref = 0, norm = 0;
                for (int k = 0; k < cols; k++) {
                    double w = t.getFloat((long) r * cols + k);
                    ref += w * x[k];
                    norm += Math.abs(w * x[k]);
                }
                assertEquals(ref, out[r], 1e-5 * norm + 1e-6, type + " row " + r);
            }
        }
    }
}
