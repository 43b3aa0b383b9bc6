package org.kvscope.trace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link AttentionEvidence#reusing}: evidence gathered into a spare's arrays (a session's next prefill) holds, bit for
 * bit, what new evidence holds for the same rows, whatever the spare held (other weights, weights past each row,
 * rows recorded through a compressed cache's slots, rows the new prefill does not record), and reuses the arrays
 * only for the same shape and options.
 */
class EvidenceReuseTest {
    private static final int LAYERS = 2, HEADS = 4, KV_HEADS = 2, KEYS = 41, WINDOW = 6;

    @Test
    void evidenceInASparesArraysHoldsWhatNewEvidenceHolds() {
        for (boolean accumulate : new boolean[] {true, false}) {
            for (boolean moments : new boolean[] {false, true}) {
                SplittableRandom random = new SplittableRandom(20);
                AttentionEvidence spare = new AttentionEvidence(LAYERS, HEADS, KV_HEADS, KEYS, WINDOW, accumulate, moments);
                record(spare, random, true, false);
                for (int idx = 0; idx < LAYERS * HEADS; idx++) { // weights past every row and at key 0, which odd heads'
                    for (int r = 0; r < WINDOW; r++) {           // rows through the slots leave out
                        float[] row = spare.row(idx / HEADS, idx % HEADS, r);
                        Arrays.fill(row, KEYS - WINDOW + r + 1, KEYS, 7f);
                        row[0] = 7f;
                    }
                }
                long seed = random.nextLong();
                AttentionEvidence fresh = new AttentionEvidence(LAYERS, HEADS, KV_HEADS, KEYS, WINDOW, accumulate, moments);
                record(fresh, new SplittableRandom(seed), true, true);
                AttentionEvidence reused = AttentionEvidence.reusing(spare, LAYERS, HEADS, KV_HEADS, KEYS, WINDOW,
                        accumulate, moments);
                assertSame(spare.row(0, 0, 0), reused.row(0, 0, 0), "the spare's rows are reused");
                record(reused, new SplittableRandom(seed), true, true);
                same(fresh, reused, accumulate + "/" + moments);
            }
        }
    }

    @Test
    void onlyTheSameShapeAndOptionsReuseTheArrays() {
        AttentionEvidence spare = new AttentionEvidence(LAYERS, HEADS, KV_HEADS, KEYS, WINDOW, true, false);
        assertSame(spare.row(1, 3, 5), AttentionEvidence.reusing(spare, LAYERS, HEADS, KV_HEADS, KEYS, WINDOW, true, false)
                .row(1, 3, 5));
        for (AttentionEvidence other : new AttentionEvidence[] {
                AttentionEvidence.reusing(spare, LAYERS, HEADS, KV_HEADS, KEYS + 1, WINDOW, true, false),
                AttentionEvidence.reusing(spare, LAYERS, HEADS, KV_HEADS, KEYS, WINDOW - 1, true, false),
                AttentionEvidence.reusing(spare, LAYERS, HEADS, KV_HEADS, KEYS, WINDOW, false, false),
                AttentionEvidence.reusing(spare, LAYERS, HEADS, KV_HEADS, KEYS, WINDOW, true, true),
                AttentionEvidence.reusing(spare, LAYERS, HEADS, 1, KEYS, WINDOW, true, false),
                AttentionEvidence.reusing(null, LAYERS, HEADS, KV_HEADS, KEYS, WINDOW, true, false)}) {
            assertNotSame(spare.row(0, 0, 0), other.row(0, 0, 0));
        }
    }

    /**
     * Every head's prompt rows in query order, random weights of very different sizes; with {@code slots} the rows of
     * odd heads through a compressed cache's slots (positions not 0..count−1), with {@code skipOne} no row of layer 1's
     * head 2 (its window rows then read as zeros).
     */
    private static void record(AttentionEvidence ev, SplittableRandom random, boolean slots, boolean skipOne) {
        int[] positions = new int[KEYS];
        Arrays.setAll(positions, i -> i);
        float[] weights = new float[KEYS + 3];
        for (int l = 0; l < LAYERS; l++) {
            for (int h = 0; h < HEADS; h++) {
                if (skipOne && l == 1 && h == 2) {
                    continue;
                }
                for (int q = 0; q < KEYS; q++) {
                    Arrays.fill(weights, Float.NaN);
                    int offset = q % 3;
                    for (int k = 0; k <= q; k++) {
                        weights[offset + k] = (float) (Math.pow(10, random.nextInt(-5, 2)) * random.nextDouble());
                    }
                    int count = q + 1;
                    int[] keys = positions;
                    if (slots && h % 2 == 1 && q > 0) { // keys 1.. only, in slot order: the per-slot path
                        keys = Arrays.copyOfRange(positions, 1, count);
                        count = q;
                        offset++;
                    }
                    ev.record(l, h, q, keys, weights, offset, count);
                }
            }
        }
    }

    private static void same(AttentionEvidence want, AttentionEvidence got, String what) {
        assertEquals(want.window(), got.window());
        for (int l = 0; l < LAYERS; l++) {
            for (int h = 0; h < HEADS; h++) {
                String at = what + " layer " + l + " head " + h;
                for (int r = 0; r < WINDOW; r++) {
                    assertArrayEquals(want.row(l, h, r), got.row(l, h, r), at + " row " + r);
                }
                assertArrayEquals(want.windowSum(l, h), got.windowSum(l, h), at + " window sum");
                if (want.hasAccumulated()) {
                    assertArrayEquals(want.accumulated(l, h), got.accumulated(l, h), at + " accumulated");
                }
                if (want.hasWindowMoments()) {
                    assertArrayEquals(want.windowWeightSums(l, h), got.windowWeightSums(l, h), at + " weight sums");
                    assertArrayEquals(want.windowSquareSums(l, h), got.windowSquareSums(l, h), at + " square sums");
                    assertArrayEquals(want.windowVariances(l, h), got.windowVariances(l, h), at + " variances");
                    assertEquals(want.windowVarianceTotal(l, h), got.windowVarianceTotal(l, h), at + " variance total");
                    for (int r = 0; r < WINDOW; r++) {
                        assertEquals(want.windowEntropy(l, h, r), got.windowEntropy(l, h, r), at + " entropy " + r);
                    }
                }
            }
            for (int g = 0; g < KV_HEADS && want.hasAccumulated(); g++) {
                assertArrayEquals(want.accumulatedKvHeadSum(l, g), got.accumulatedKvHeadSum(l, g), what + " kv-head sum");
            }
        }
    }
}
