package org.kvscope.trace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link AttentionEvidence}'s sums over an uncompressed prefill's rows (accumulated attention, window sums) are,
 * bit for bit, each key's weights added in query order to a sum that starts at 0, whatever offset a row's
 * weights start at in the array that holds them (0, or inside a block of rows, as the attention kernels hand
 * them over), and its window rows are the weights; each kv-head's sum of its heads' accumulated attention (H2O's
 * scores, added as the prefill records the last rows) is those sums added head after head from 0. Weights of very
 * different sizes, so that any other order of the adds gives other floats.
 */
class EvidenceSumsTest {
    @Test
    void sumsAreEachKeysWeightsAddedInQueryOrder() {
        SplittableRandom random = new SplittableRandom(15);
        for (int keys : new int[] {37, 150}) { // the second, longer prompt needs a longer per-thread copy
            for (boolean accumulate : new boolean[] {true, false}) {
                check(keys, accumulate, random);
            }
        }
    }

    private static void check(int keys, boolean accumulate, SplittableRandom random) {
        int layers = 2, heads = 6, kvHeads = 2, window = 8, stride = keys + 5; // 3 heads a kv-head: the order shows
        AttentionEvidence evidence = new AttentionEvidence(layers, heads, kvHeads, keys, window, accumulate);
        EvidenceCollector collector = new EvidenceCollector(evidence);
        int[] positions = new int[keys];
        Arrays.setAll(positions, i -> i);
        float[][][] expectedRows = new float[layers * heads][window][keys];
        float[][] expectedAcc = new float[layers * heads][keys], expectedWindow = new float[layers * heads][keys];
        float[] block = new float[4 * stride];
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < heads; h++) {
                int idx = l * heads + h;
                for (int q = 0; q < keys; q++) {
                    Arrays.fill(block, Float.NaN); // anything outside the row would show
                    int offset = (q % 4) * stride + (q % 3 == 0 ? 0 : 1); // 0, inside a block, past a block's start
                    if (q % 5 == 0) {
                        offset = 0;
                    }
                    for (int k = 0; k <= q; k++) {
                        block[offset + k] = (float) (Math.pow(10, random.nextInt(-6, 3)) * random.nextDouble());
                    }
                    int r = q - (keys - window);
                    for (int k = 0; k <= q; k++) {
                        float w = block[offset + k];
                        expectedAcc[idx][k] += w;
                        if (r >= 0) {
                            expectedRows[idx][r][k] = w;
                            expectedWindow[idx][k] += w;
                        }
                    }
                    if (collector.wants(l, h, q)) {
                        collector.onAttention(l, h, q, positions, block, offset, q + 1);
                    }
                }
            }
        }
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < heads; h++) {
                int idx = l * heads + h;
                String where = keys + " keys, layer " + l + ", head " + h;
                if (accumulate) {
                    assertArrayEquals(expectedAcc[idx], evidence.accumulated(l, h), where + ": accumulated");
                }
                assertArrayEquals(expectedWindow[idx], evidence.windowSum(l, h), where + ": window sum");
                for (int r = 0; r < window; r++) {
                    assertArrayEquals(expectedRows[idx][r], evidence.row(l, h, r), where + ": window row " + r);
                }
            }
        }
        for (int l = 0; l < layers; l++) {
            for (int g = 0; g < kvHeads; g++) {
                float[] sum = evidence.accumulatedKvHeadSum(l, g);
                if (!accumulate) {
                    assertNull(sum, "no accumulation, no kv-head sums");
                    continue;
                }
                float[] expected = new float[keys];
                for (int h = g * 3; h < g * 3 + 3; h++) {
                    for (int k = 0; k < keys; k++) {
                        expected[k] += expectedAcc[l * heads + h][k];
                    }
                }
                assertArrayEquals(expected, sum, keys + " keys, layer " + l + ", kv-head " + g + ": kv-head sum");
                float[] reversed = new float[keys];
                for (int h = g * 3 + 2; h >= g * 3; h--) {
                    for (int k = 0; k < keys; k++) {
                        reversed[k] += expectedAcc[l * heads + h][k];
                    }
                }
                assertFalse(Arrays.equals(expected, reversed), "weights too alike to test the order of the heads");
            }
        }
        // the check tells orders apart: the window rows added back to front give other floats
        float[] backToFront = new float[keys];
        for (int r = window - 1; r >= 0; r--) {
            for (int k = 0; k < keys; k++) {
                backToFront[k] += expectedRows[0][r][k];
            }
        }
        assertFalse(Arrays.equals(expectedWindow[0], backToFront), "weights too alike to test the order of the adds");
    }

    /**
     * Blocks of four rows as the attention kernels hand them over (rows a stride apart, each row's weights followed
     * by zeros to the block's width, NaN past it) add to the accumulated attention and the window exactly as the same
     * rows one by one: blocks before the window in one pass, a block that reaches into the window row by row; a
     * prompt long enough for whole vectors of any width, and one (203 keys) whose last blocks before the window are
     * wider than the keys.
     */
    @Test
    void blocksOfFourRowsAddAsTheirRowsOneByOne() {
        SplittableRandom random = new SplittableRandom(18);
        for (int keys : new int[] {37, 203}) {
            int layers = 1, heads = 2, kvHeads = 1, window = 6, stride = AttentionObserver.blockWidth(keys, 4) + 1;
            AttentionEvidence byRow = new AttentionEvidence(layers, heads, kvHeads, keys, window, true);
            AttentionEvidence byBlock = new AttentionEvidence(layers, heads, kvHeads, keys, window, true);
            EvidenceCollector rows = new EvidenceCollector(byRow), blocks = new EvidenceCollector(byBlock);
            int[] positions = new int[keys], queries = new int[keys];
            Arrays.setAll(positions, i -> i);
            Arrays.setAll(queries, i -> i);
            float[] block = new float[1 + 4 * stride];
            float[][] naive = new float[heads][keys];
            for (int h = 0; h < heads; h++) {
                for (int q = 0; q < keys; q += 4) {
                    int n = Math.min(4, keys - q), wo = q % 8 == 0 ? 0 : 1;
                    Arrays.fill(block, Float.NaN); // a weight read past a row's zeros would show
                    for (int j = 0; j < n; j++) { // the row's weights, then zeros to the block's width
                        Arrays.fill(block, wo + j * stride, wo + j * stride + AttentionObserver.blockWidth(q + 1, 4), 0f);
                        for (int k = 0; k <= q + j; k++) {
                            float w = (float) (Math.pow(10, random.nextInt(-6, 3)) * random.nextDouble());
                            block[wo + j * stride + k] = w;
                            naive[h][k] += w;
                        }
                    }
                    for (int j = 0; j < n; j++) {
                        rows.onAttention(0, h, q + j, positions, block.clone(), wo + j * stride, q + j + 1);
                    }
                    if (n == 4) {
                        blocks.onAttentionBlock(0, h, queries, q, 4, positions, block, wo, stride, q + 1);
                    } else {
                        for (int j = 0; j < n; j++) {
                            blocks.onAttention(0, h, q + j, positions, block.clone(), wo + j * stride, q + j + 1);
                        }
                    }
                }
                String where = keys + " keys, head " + h;
                assertArrayEquals(naive[h], byBlock.accumulated(0, h), where + ": accumulated, by block");
                assertArrayEquals(byRow.accumulated(0, h), byBlock.accumulated(0, h), where + ": accumulated");
                assertArrayEquals(byRow.windowSum(0, h), byBlock.windowSum(0, h), where + ": window sum");
                for (int r = 0; r < window; r++) {
                    assertArrayEquals(byRow.row(0, h, r), byBlock.row(0, h, r), where + ": window row " + r);
                }
            }
            assertArrayEquals(byRow.accumulatedKvHeadSum(0, 0), byBlock.accumulatedKvHeadSum(0, 0), keys + " keys");
            assertNotNull(byBlock.accumulatedKvHeadSum(0, 0));
        }
    }

    @Test
    void aKvHeadSumWaitsForEachOfItsHeadsLastRow() {
        int keys = 20;
        AttentionEvidence evidence = new AttentionEvidence(1, 4, 2, keys, 2, true);
        EvidenceCollector collector = new EvidenceCollector(evidence);
        int[] positions = new int[keys];
        Arrays.setAll(positions, i -> i);
        float[] weights = new float[keys];
        Arrays.fill(weights, 0.05f);
        for (int h : new int[] {0, 1, 2}) { // every row of heads 0 to 2
            for (int q = 0; q < keys; q++) {
                collector.onAttention(0, h, q, positions, weights, q + 1);
            }
        }
        for (int q = 0; q < keys - 1; q++) {
            collector.onAttention(0, 3, q, positions, weights, q + 1);
        }
        assertNotNull(evidence.accumulatedKvHeadSum(0, 0), "both of kv-head 0's heads are complete");
        assertNull(evidence.accumulatedKvHeadSum(0, 1), "head 3's last row is still to come");
        collector.onAttention(0, 3, keys - 1, positions, weights, keys);
        assertNotNull(evidence.accumulatedKvHeadSum(0, 1));
        collector.onAttention(0, 3, keys - 1, positions, weights, keys); // recorded twice: the sum no longer holds
        assertNull(evidence.accumulatedKvHeadSum(0, 1));
    }
}
