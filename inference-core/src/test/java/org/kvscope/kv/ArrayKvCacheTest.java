package org.kvscope.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ArrayKvCacheTest {
    private static float[] vec(int kvHeads, int headDim, float base) {
        float[] v = new float[kvHeads * headDim];
        for (int i = 0; i < v.length; i++) {
            v[i] = base + i;
        }
        return v;
    }

    @Test
    void appendStoresEveryHeadWithItsPosition() {
        ArrayKvCache c = new ArrayKvCache(2, 2, 3, 8);
        c.append(1, 0, vec(2, 3, 10), 0, vec(2, 3, 100), 0);
        c.append(1, 5, vec(2, 3, 20), 0, vec(2, 3, 200), 0);
        assertEquals(2, c.size(1, 0));
        assertEquals(0, c.size(0, 0));
        assertArrayEquals(new int[] {0, 5}, Arrays.copyOf(c.positions(1, 1), 2));
        assertArrayEquals(new float[] {13, 14, 15, 23, 24, 25}, Arrays.copyOf(c.keys(1, 1), 6));
        assertArrayEquals(new float[] {200, 201, 202}, Arrays.copyOfRange(c.values(1, 0), 3, 6));
    }

    @Test
    void retainCompactsOneHeadOnly() {
        ArrayKvCache c = new ArrayKvCache(1, 2, 2, 8);
        for (int p = 0; p < 5; p++) {
            c.append(0, p, vec(2, 2, p * 10), 0, vec(2, 2, p * 10 + 1), 0);
        }
        c.retain(0, 1, new int[] {0, 3, 4});
        assertEquals(3, c.size(0, 1));
        assertEquals(5, c.size(0, 0));
        assertArrayEquals(new int[] {0, 3, 4}, Arrays.copyOf(c.positions(0, 1), 3));
        assertArrayEquals(new float[] {2, 3, 32, 33, 42, 43}, Arrays.copyOf(c.keys(0, 1), 6));
        assertEquals((5 + 3) * 2L * 2 * Float.BYTES, c.keptBytes());
    }

    @Test
    void badUseIsReportedClearly() {
        ArrayKvCache c = new ArrayKvCache(1, 1, 2, 2);
        c.append(0, 0, new float[2], 0, new float[2], 0);
        assertThrows(IllegalStateException.class, () -> c.append(0, 0, new float[2], 0, new float[2], 0));
        c.append(0, 1, new float[2], 0, new float[2], 0);
        var full = assertThrows(IllegalStateException.class, () -> c.append(0, 2, new float[2], 0, new float[2], 0));
        assertTrue(full.getMessage().contains("full"), full.getMessage());
        assertThrows(IllegalArgumentException.class, () -> c.retain(0, 0, new int[] {1, 0}));
        assertThrows(IllegalArgumentException.class, () -> c.retain(0, 0, new int[] {2}));
        assertThrows(IllegalArgumentException.class, () -> new ArrayKvCache(1, 1, 2, 0));
    }
}
