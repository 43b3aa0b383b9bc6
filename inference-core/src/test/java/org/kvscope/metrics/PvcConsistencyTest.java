package org.kvscope.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Comparator;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.kvscope.trace.AttentionCapture;
import org.kvscope.trace.CaptureOptions;

/** PvC overlap as PyramidInfer defines it, against a hand-computed case and a naive set-based reference. */
class PvcConsistencyTest {
    private static final int LAYERS = 2, HEADS = 2, N = 24, STEPS = 5;

    @Test
    void recentWindowAgainstLaterTokensByHand() {
        float[][] recent = {{0.5f, 0.3f, 0.2f, 0f}, {0.1f, 0.6f, 0.1f, 0.2f}};
        // ensemble (0.30, 0.45, 0.15, 0.10): PvC = {0, 1}
        float[][] later = {{0.1f, 0.2f, 0.6f, 0.1f, 0.0f}, {0.4f, 0.4f, 0.1f, 0.1f}};
        // {1, 2} shares one key, {0, 1} both: (1/2 + 1) / 2
        assertEquals(0.75, PvcOverlap.recentVsLater(recent, 4, later, 2), 1e-12);
        assertTrue(Double.isNaN(PvcOverlap.recentVsLater(recent, 4, new float[0][], 2)));
    }

    /** Rows with weights in 1/64 steps, so float sums are exact and the naive reference sees the same ties. */
    private static float[][][][] rows(SplittableRandom rnd, int queries) {
        float[][][][] out = new float[LAYERS][HEADS][queries][];
        for (int l = 0; l < LAYERS; l++) {
            for (int h = 0; h < HEADS; h++) {
                for (int q = 0; q < queries; q++) {
                    float[] row = new float[q + 1];
                    for (int k = 0; k <= q; k++) {
                        row[k] = rnd.nextInt(64) / 64f;
                    }
                    out[l][h][q] = row;
                }
            }
        }
        return out;
    }

    private static AttentionCapture capture(float[][][][] rows, int window) {
        AttentionCapture c = new AttentionCapture(LAYERS, HEADS, HEADS, N, new CaptureOptions(window, 8, 2, STEPS));
        for (int l = 0; l < LAYERS; l++) {
            for (int h = 0; h < HEADS; h++) {
                for (int q = 0; q < rows[l][h].length; q++) {
                    float[] w = rows[l][h][q];
                    c.onAttention(l, h, q, IntStream.range(0, q + 1).toArray(), w, w.length);
                }
            }
        }
        return c;
    }

    private static Set<Integer> naiveTop(double[] w, int count, int k) {
        return IntStream.range(0, count).boxed()
                .sorted(Comparator.comparingDouble((Integer p) -> -w[p]).thenComparingInt(p -> p))
                .limit(k).collect(Collectors.toSet());
    }

    private static double[] asDouble(float[] row, int count) {
        double[] d = new double[count];
        for (int i = 0; i < count; i++) {
            d[i] = row[i];
        }
        return d;
    }

    private static double share(Set<Integer> a, Set<Integer> b, int k) {
        Set<Integer> common = new HashSet<>(a);
        common.retainAll(b);
        return (double) common.size() / Math.max(a.size(), b.size());
    }

    @Test
    void matchesNaiveReferenceForBothDefinitions() {
        float[][][][] rows = rows(new SplittableRandom(11), N + STEPS);
        int window = 8, w = 4, k = 5;
        AttentionCapture c = capture(rows, window);
        PvcConsistency later = PvcConsistency.of(c, PvcConsistency.Definition.RECENT_VS_LATER, k, w);
        PvcConsistency consecutive = PvcConsistency.of(c, PvcConsistency.Definition.CONSECUTIVE, k, w);
        assertEquals(w, later.window());
        for (int l = 0; l < LAYERS; l++) {
            for (int h = 0; h < HEADS; h++) {
                double[] ensemble = new double[N];
                for (int q = N - w; q < N; q++) {
                    for (int p = 0; p <= q; p++) {
                        ensemble[p] += rows[l][h][q][p] / w;
                    }
                }
                Set<Integer> pvc = naiveTop(ensemble, N, k);
                double sum = 0;
                for (int s = 0; s < STEPS; s++) {
                    sum += share(pvc, naiveTop(asDouble(rows[l][h][N + s], N), N, k), k);
                }
                assertEquals(sum / STEPS, later.perHead()[l][h], 1e-12, "recent-vs-later l" + l + " h" + h);
                double cons = 0;
                for (int q = N - w; q + 1 < N; q++) {
                    int shared = q + 1;
                    cons += share(naiveTop(asDouble(rows[l][h][q], shared), shared, k),
                            naiveTop(asDouble(rows[l][h][q + 1], shared), shared, k), k);
                }
                assertEquals(cons / (w - 1), consecutive.perHead()[l][h], 1e-12, "consecutive l" + l + " h" + h);
            }
            assertEquals((later.perHead()[l][0] + later.perHead()[l][1]) / 2, later.layer(l), 1e-12);
        }
        assertNotEquals(later.mean(), consecutive.mean(), "the two definitions measure different things here");
    }

    @Test
    void withoutDecodeRowsThePyramidInferOverlapIsUndefinedAndBadKIsRefused() {
        AttentionCapture c = capture(rows(new SplittableRandom(3), N), 8);
        assertTrue(Double.isNaN(PvcConsistency.of(c, PvcConsistency.Definition.RECENT_VS_LATER, 4, 4).mean()));
        var e = assertThrows(IllegalArgumentException.class,
                () -> PvcConsistency.of(c, PvcConsistency.Definition.RECENT_VS_LATER, 0, 4));
        assertTrue(e.getMessage().contains("k ≥ 1"), e.getMessage());
    }
}
