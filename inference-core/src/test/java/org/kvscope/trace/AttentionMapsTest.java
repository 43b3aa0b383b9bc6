package org.kvscope.trace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Max-pooled maps against a naive reference: cell (i, j) is the largest weight of a query in row bin i on a key in column bin j. */
class AttentionMapsTest {
    @Test
    void cellsAreTheLargestWeightOfTheirBinsWhateverTheResolution() {
        SplittableRandom r = new SplittableRandom(9);
        for (int[] shape : new int[][] {{37, 128}, {700, 128}, {129, 128}, {5, 3}, {1, 1}}) {
            int tokens = shape[0], resolution = shape[1];
            AttentionMaps maps = new AttentionMaps(2, 3, tokens, resolution);
            int size = maps.size();
            float[][] naive = new float[6][size * size];
            for (int q = 0; q < tokens + 2; q++) { // queries past the prompt (decode) are not mapped
                int count = Math.min(q + 1, tokens + 1);
                int[] keys = new int[count];
                float[] w = new float[count];
                for (int s = 0; s < count; s++) {
                    keys[s] = s == count - 1 ? q : s; // the last key is the query itself, maybe past the prompt
                    w[s] = (float) r.nextDouble();
                }
                int layer = q % 2, head = q % 3;
                maps.add(layer, head, q, keys, w, count);
                if (q < tokens) {
                    for (int s = 0; s < count; s++) {
                        if (keys[s] < tokens) {
                            int c = (int) ((long) q * size / tokens) * size + (int) ((long) keys[s] * size / tokens);
                            naive[layer * 3 + head][c] = Math.max(naive[layer * 3 + head][c], w[s]);
                        }
                    }
                }
            }
            assertEquals(Math.min(tokens, resolution), size);
            for (int i = 0; i < 6; i++) {
                assertArrayEquals(naive[i], maps.map(i / 3, i % 3), tokens + " tokens at " + resolution + ", map " + i);
            }
        }
    }
}
