package org.kvscope.backend.cuda;

import org.junit.jupiter.api.Test;
import org.kvscope.gguf.GGMLType;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WeightLayoutTest {

    @Test
    void rowBytesFollowTheGgufBlockLayouts() {
        assertEquals(4 * 300, WeightLayout.check(GGMLType.F32, 2, 300, 2400, 0));
        assertEquals(2 * 64, WeightLayout.check(GGMLType.BF16, 1, 64, 128, 32));
        assertEquals(34 * 4, WeightLayout.check(GGMLType.Q8_0, 3, 128, 3 * 136, 2));
        assertEquals(144 * 2, WeightLayout.check(GGMLType.Q4_K, 1, 512, 288, 4));
        assertEquals(210, WeightLayout.check(GGMLType.Q6_K, 1, 256, 210, 0));
    }

    @Test
    void badLayoutsAreRejectedWithTheProblem() {
        var unsupported = assertThrows(IllegalArgumentException.class, () -> WeightLayout.check(GGMLType.Q5_K, 1, 256, 176, 0));
        assertTrue(unsupported.getMessage().contains("Q5_K") && unsupported.getMessage().contains("Q6_K"), unsupported.getMessage());
        var partialBlock = assertThrows(IllegalArgumentException.class, () -> WeightLayout.check(GGMLType.Q4_K, 1, 300, 1000, 0));
        assertTrue(partialBlock.getMessage().contains("multiple"), partialBlock.getMessage());
        var small = assertThrows(IllegalArgumentException.class, () -> WeightLayout.check(GGMLType.F16, 4, 64, 511, 0));
        assertTrue(small.getMessage().contains("512 are needed"), small.getMessage());
        var misaligned = assertThrows(IllegalArgumentException.class, () -> WeightLayout.check(GGMLType.F32, 1, 8, 32, 8));
        assertTrue(misaligned.getMessage().contains("multiple of 16"), misaligned.getMessage());
        assertThrows(IllegalArgumentException.class, () -> WeightLayout.check(GGMLType.F32, 0, 8, 32, 0));
    }

    @Test
    void supportedTypesAreTheOnesWithKernels() {
        for (GGMLType t : new GGMLType[] {GGMLType.F32, GGMLType.F16, GGMLType.BF16, GGMLType.Q4_0, GGMLType.Q8_0,
                GGMLType.Q4_K, GGMLType.Q6_K}) {
            assertTrue(WeightLayout.supports(t), t.name());
        }
        assertFalse(WeightLayout.supports(GGMLType.Q2_K));
    }

    @Test
    void rangeChecksNameTheBuffer() {
        var e = assertThrows(IndexOutOfBoundsException.class, () -> Checks.range("copy destination", 8, 16, 20));
        assertEquals("copy destination: bytes [8, 24) do not fit in a buffer of 20 bytes", e.getMessage());
    }
}
