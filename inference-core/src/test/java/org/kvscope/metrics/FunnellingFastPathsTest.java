package org.kvscope.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The partitioning {@link Funnelling#positionsForMass} gives the same count as sorting the whole row, and the
 * direct log-distance binning the same sums as the searched one.
 */
class FunnellingFastPathsTest {
    private static final double[] FRACTIONS = {0.0, 0.5, 0.9, 0.99, 1.0};

    @Test
    void sameAsSortingOnAttentionLikeRows() {
        Random r = new Random(13);
        for (int trial = 0; trial < 400; trial++) {
            int n = 1 + r.nextInt(1100);
            float[] row = new float[n + 3];
            double temperature = Math.exp(r.nextGaussian() * 2);
            for (int k = 0; k < n; k++) {
                row[k] = (float) Math.exp(r.nextGaussian() * temperature);
            }
            if (r.nextBoolean()) {
                row[0] += n; // a sink
            }
            normalise(row, n);
            row[n] = 7; // beyond count: ignored
            checkAll(row, n);
        }
    }

    @Test
    void sameAsSortingWithTiesZerosAndTinyWeights() {
        Random r = new Random(5);
        for (int trial = 0; trial < 300; trial++) {
            int n = 40 + r.nextInt(600);
            float[] row = new float[n];
            int levels = 1 + r.nextInt(5);
            for (int k = 0; k < n; k++) {
                row[k] = switch (r.nextInt(4)) {
                    case 0 -> 0f;
                    case 1 -> 1e-30f * (1 + r.nextInt(3));
                    default -> (1 + r.nextInt(levels)) / 8f;
                };
            }
            checkAll(row, n);
        }
        checkAll(new float[200], 200);
        float[] one = new float[300];
        one[123] = 1;
        checkAll(one, 300);
        assertEquals(1, Funnelling.positionsForMass(one, 300, 0.9));
    }

    @Test
    void rowIsNotModifiedAndNegativeWeightsTakeTheGeneralPath() {
        float[] row = new float[100];
        for (int k = 0; k < row.length; k++) {
            row[k] = (k * 37 % 101) / 100f;
        }
        float[] copy = row.clone();
        Funnelling.positionsForMass(row, row.length, 0.9);
        org.junit.jupiter.api.Assertions.assertArrayEquals(copy, row);
        row[3] = -0.5f;
        checkAll(row, row.length);
    }

    @Test
    void logDistanceProfileEqualsTheSearchedOne() {
        Random r = new Random(3);
        for (int trial = 0; trial < 50; trial++) {
            int n = 1 + r.nextInt(700);
            int[] edges = Funnelling.logDistanceEdges(Math.max(2, n + r.nextInt(40)));
            float[] row = new float[n];
            int[] keys = new int[n];
            for (int k = 0; k < n; k++) {
                row[k] = r.nextFloat();
                keys[k] = r.nextInt(n + 8);
            }
            int query = r.nextInt(n + 1);
            double[] searched = new double[edges.length];
            double[] direct = new double[edges.length];
            Funnelling.addDistanceProfile(row, n, query, keys, edges, searched);
            Funnelling.addLogDistanceProfile(row, n, query, keys, direct);
            org.junit.jupiter.api.Assertions.assertArrayEquals(searched, direct, 0.0);
        }
    }

    private static void checkAll(float[] row, int n) {
        for (double f : FRACTIONS) {
            assertEquals(Funnelling.positionsForMassSorted(row, n, f), Funnelling.positionsForMass(row, n, f),
                    "n=" + n + " fraction=" + f);
        }
    }

    private static void normalise(float[] row, int n) {
        double s = 0;
        for (int k = 0; k < n; k++) {
            s += row[k];
        }
        for (int k = 0; k < n; k++) {
            row[k] = (float) (row[k] / s);
        }
    }
}
