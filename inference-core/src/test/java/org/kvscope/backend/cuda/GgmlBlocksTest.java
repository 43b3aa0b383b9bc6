package org.kvscope.backend.cuda;

import org.junit.jupiter.api.Test;
import org.kvscope.gguf.GGMLType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Checks the test-side block decoder that the GPU tests use as their reference. */
class GgmlBlocksTest {

    @Test
    void q8_0RoundTripStaysWithinHalfAStep() {
        Random random = new Random(1);
        float[] row = new float[96];
        for (int i = 0; i < row.length; i++) row[i] = (float) random.nextGaussian();
        float[] back = GgmlBlocks.dequantizeRow(GGMLType.Q8_0, GgmlBlocks.quantizeQ8_0(row), 0, row.length);
        for (int b = 0; b < 3; b++) {
            float amax = 0;
            for (int i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(row[32 * b + i]));
            for (int i = 0; i < 32; i++) {
                assertEquals(row[32 * b + i], back[32 * b + i], amax / 127 * 0.51 + 1e-3, "element " + (32 * b + i));
            }
        }
    }

    @Test
    void q4_kUsesSixBitScalesAndMins() {
        ByteBuffer block = ByteBuffer.allocate(144).order(ByteOrder.LITTLE_ENDIAN);
        block.putShort(0, Float.floatToFloat16(0.5f));
        block.putShort(2, Float.floatToFloat16(0.25f));
        // sub-block 1: scale byte 1 = 3, min byte 5 = 2; sub-block 5: scale = low(byte 9) | top2(byte 1) << 4
        block.put(4 + 1, (byte) (3 | (1 << 6)));
        block.put(4 + 5, (byte) (2 | (2 << 6)));
        block.put(4 + 9, (byte) (0x7 | (0x4 << 4)));
        block.put(16 + 0, (byte) 0x50);        // group 0 byte 0: high nibble 5 -> sub-block 1, element 32
        block.put(16 + 64 + 3, (byte) 0x90);   // group 2 byte 3: high nibble 9 -> sub-block 5, element 160 + 3
        float[] row = GgmlBlocks.dequantizeRow(GGMLType.Q4_K, block.array(), 0, 256);
        assertEquals(0.5f * 3 * 5 - 0.25f * 2, row[32]);
        int scale5 = 0x7 | (1 << 4);
        int min5 = 0x4 | (2 << 4);
        assertEquals(0.5f * scale5 * 9 - 0.25f * min5, row[163]);
        assertEquals(-0.25f * 2, row[33]);
    }

    @Test
    void q6_kCombinesLowNibbleAndTwoHighBits() {
        ByteBuffer block = ByteBuffer.allocate(210).order(ByteOrder.LITTLE_ENDIAN);
        block.putShort(208, Float.floatToFloat16(0.125f));
        block.put(64 + 32 + 5, (byte) 0xA3);      // second half, ql[l+32] for l = 5
        block.put(128 + 32 + 5, (byte) 0b10_01_00_00); // qh for l = 5: bits 4-5 = 1, bits 6-7 = 2
        block.put(192 + 8 + 0 + 2, (byte) -3);    // scale for quarter 1 of second half
        block.put(192 + 8 + 0 + 6, (byte) 4);     // scale for quarter 3 of second half
        float[] row = GgmlBlocks.dequantizeRow(GGMLType.Q6_K, block.array(), 0, 256);
        assertEquals(0.125f * -3 * ((0x3 | (0 << 4)) - 32), row[128 + 32 + 5]);
        assertEquals(0.125f * 4 * ((0xA | (2 << 4)) - 32), row[128 + 96 + 5]);
    }

    @Test
    void randomMatricesDecodeToFiniteValues() {
        Random random = new Random(2);
        for (GGMLType t : new GGMLType[] {GGMLType.F32, GGMLType.F16, GGMLType.BF16, GGMLType.Q4_0, GGMLType.Q8_0,
                GGMLType.Q4_K, GGMLType.Q6_K}) {
            byte[] m = GgmlBlocks.randomMatrix(t, 3, 256, random);
            assertEquals(3 * t.byteSize(256), m.length);
            for (int r = 0; r < 3; r++) {
                for (float v : GgmlBlocks.dequantizeRow(t, m, r, 256)) {
                    assertEquals(true, Float.isFinite(v) && Math.abs(v) < 100, t + " value " + v);
                }
            }
        }
        assertArrayEquals(new int[] {0, 2, 3}, Reference.topK(new float[] {5, 1, 5, 0}, 0, 4, 3, 1));
    }
}
