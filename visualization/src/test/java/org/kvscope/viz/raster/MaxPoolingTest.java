package org.kvscope.viz.raster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.kvscope.viz.data.AttentionMap;
import org.junit.jupiter.api.Test;

class MaxPoolingTest {

    @Test
    void downsamplingKeepsIsolatedPeak() {
        int n = 2048;
        float[] w = new float[n * n];
        for (int q = 0; q < n; q++) {
            for (int k = 0; k <= q; k++) {
                w[q * n + k] = 0.001f;
            }
        }
        w[1500 * n + 777] = 0.9f;
        AttentionMap map = AttentionMap.selfAttention(w, AttentionMap.placeholderTokens(n));
        PooledGrid grid = MaxPooling.pool(map, 256, 256);
        int px = 777 * 256 / n;
        int py = 1500 * 256 / n;
        assertEquals(0.9f, grid.values()[py * 256 + px], 0f);
        assertEquals(0.001f, grid.values()[py * 256 + px - 1], 0f);
        assertEquals(0.9, grid.max(), 1e-6);
        assertEquals(PooledGrid.CAUSAL, grid.states()[0 * 256 + 255], "upper right is in the future");
        assertEquals(PooledGrid.VALUE, grid.states()[255 * 256], "lower left is visible");
    }

    @Test
    void upsamplingRepeatsCellsAndMarksMissing() {
        float[] w = {0.5f, Float.NaN, Float.NaN, 0.25f};
        AttentionMap map = new AttentionMap(2, 2, w, new int[] {0, 1}, new int[] {0, 1},
                java.util.List.of("a", "b"), java.util.List.of("a", "b"));
        PooledGrid grid = MaxPooling.pool(map, 4, 4);
        assertEquals(PooledGrid.VALUE, grid.states()[0]);
        assertEquals(PooledGrid.CAUSAL, grid.states()[3], "key 1 is after query 0");
        assertEquals(PooledGrid.MISSING, grid.states()[2 * 4], "NaN at (1, 0)");
        assertEquals(0.25f, grid.values()[3 * 4 + 3], 0f);
    }

    @Test
    void binsPartitionCellsAndLocatePixels() {
        for (int[] np : new int[][] {{10, 3}, {3, 10}, {2048, 517}, {7, 7}}) {
            int n = np[0];
            int p = np[1];
            int expectedStart = 0;
            if (n >= p) {
                for (int px = 0; px < p; px++) {
                    assertEquals(expectedStart, Bins.start(px, n, p));
                    expectedStart = Bins.end(px, n, p);
                }
                assertEquals(n, expectedStart);
            }
            for (int c = 0; c < n; c++) {
                int first = Bins.firstPixel(c, n, p);
                int last = Bins.lastPixel(c, n, p);
                for (int px = first; px <= last; px++) {
                    int s = Bins.start(px, n, p);
                    int e = Bins.end(px, n, p);
                    assertEquals(true, s <= c && c < e, "pixel " + px + " shows cell " + c);
                }
            }
        }
    }

    @Test
    void rejectsEmptyRaster() {
        AttentionMap map = AttentionMap.selfAttention(new float[] {1f}, java.util.List.of("x"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MaxPooling.pool(map, 0, 5));
        assertEquals("raster size must be positive but was 0x5", e.getMessage());
    }
}
