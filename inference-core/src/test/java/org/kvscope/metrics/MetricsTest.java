package org.kvscope.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Every metric on small cases computed by hand. */
class MetricsTest {
    static final float[] ROW = {0.5f, 0.1f, 0.0f, 0.3f, 0.1f};

    @Test
    void recallIsKeptShareOfMass() {
        assertEquals(0.8, AttentionRecall.recall(ROW, 5, new boolean[] {true, false, false, true, false}), 1e-6);
        assertEquals(1.0, AttentionRecall.recall(ROW, 5, new boolean[] {true, true, true, true, true}), 1e-9);
        assertEquals(0.0, AttentionRecall.recall(ROW, 5, new boolean[5]), 1e-9);
        // positions beyond the mask count as evicted
        assertEquals(0.6, AttentionRecall.recall(ROW, 5, new boolean[] {true, true}), 1e-6);
    }

    @Test
    void topKAndOverlap() {
        assertArrayEquals(new int[] {0, 3}, PvcOverlap.topK(ROW, 5, 2));
        assertArrayEquals(new int[] {0, 1, 3}, PvcOverlap.topK(ROW, 5, 3), "tie 0.1/0.1 goes to the earlier position");
        assertEquals(0.5, PvcOverlap.overlap(new int[] {1, 2}, new int[] {2, 5}), 1e-12);
        assertEquals(1.0, PvcOverlap.overlap(new int[] {}, new int[] {}), 1e-12);
        float[][] rows = {{0.6f, 0.3f, 0.1f}, {0.2f, 0.3f, 0.5f}, {0.1f, 0.2f, 0.3f, 0.4f}};
        // top-2: {0,1} vs {1,2} -> 0.5 ; {1,2} vs (first 3 keys of row 3) {1,2} -> 1.0 ; mean 0.75
        assertEquals(0.75, PvcOverlap.consecutive(rows, new int[] {3, 3, 4}, 2), 1e-12);
    }

    @Test
    void entropyOfUniformAndPeaked() {
        assertEquals(Math.log(4), Funnelling.entropy(new float[] {0.25f, 0.25f, 0.25f, 0.25f}, 4), 1e-6);
        assertEquals(0.0, Funnelling.entropy(new float[] {0f, 1f, 0f}, 3), 1e-12);
        double h = -(0.5 * Math.log(0.5) + 2 * 0.1 * Math.log(0.1) + 0.3 * Math.log(0.3));
        assertEquals(h, Funnelling.entropy(ROW, 5), 1e-6);
    }

    @Test
    void positionsForMassAndSinks() {
        assertEquals(3, Funnelling.positionsForMass(ROW, 5, 0.9)); // 0.5 + 0.3 + 0.1
        assertEquals(1, Funnelling.positionsForMass(ROW, 5, 0.5));
        assertEquals(0.6, Funnelling.sinkMass(ROW, 5, 2), 1e-6);
    }

    @Test
    void distanceProfileBins() {
        int[] edges = Funnelling.logDistanceEdges(8); // 0,1,2,4,8
        assertArrayEquals(new int[] {0, 1, 2, 4, 8}, edges);
        double[] bins = new double[edges.length];
        // query at 4 over keys 0..4: distances 4,3,2,1,0
        Funnelling.addDistanceProfile(ROW, 5, 4, new int[] {0, 1, 2, 3, 4}, edges, bins);
        assertArrayEquals(new double[] {0.1, 0.3, 0.1, 0.5, 0.0}, bins, 1e-6);
    }

    @Test
    void kvMemoryBytes() {
        KvMemory m = KvMemory.of(new int[] {8, 4}, 2, 16, 10);
        assertArrayEquals(new long[] {8 * 128, 4 * 128}, m.keptBytesPerLayer());
        assertArrayEquals(new long[] {20 * 128, 20 * 128}, m.fullBytesPerLayer());
        assertEquals(12.0 / 40, m.ratio(), 1e-12);
    }

    @Test
    void logProbIsLogSoftmax() {
        float[] logits = {1f, 2f, 3f};
        double z = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
        assertEquals(2 - z, LogProbs.logProb(logits, 1), 1e-9);
    }
}
