package org.kvscope.metrics;

import java.util.Arrays;

/**
 * Statistics of one attention row that together show "pyramidal funneling": lower layers spread
 * attention broadly, upper layers concentrate it on few positions and on sinks.
 */
public final class Funneling {
    private Funneling() {}

    /** Shannon entropy in nats of a row over keys 0..count-1 (normalised first). */
    public static double entropy(float[] row, int count) {
        double total = 0;
        for (int k = 0; k < count; k++) {
            total += row[k];
        }
        if (total <= 0) {
            return 0;
        }
        double h = 0;
        for (int k = 0; k < count; k++) {
            double p = row[k] / total;
            if (p > 0) {
                h -= p * Math.log(p);
            }
        }
        return h;
    }

    /** Fewest positions whose weights cover {@code fraction} of the row's mass. */
    public static int positionsForMass(float[] row, int count, double fraction) {
        float[] sorted = Arrays.copyOf(row, count);
        Arrays.sort(sorted);
        double total = 0;
        for (float v : sorted) {
            total += v;
        }
        double target = fraction * total, acc = 0;
        for (int i = count - 1; i >= 0; i--) {
            acc += sorted[i];
            if (acc >= target - 1e-6 * total) {
                return count - i;
            }
        }
        return count;
    }

    /** Share of the row's mass on the first {@code sinks} positions. */
    public static double sinkMass(float[] row, int count, int sinks) {
        double total = 0, sink = 0;
        for (int k = 0; k < count; k++) {
            total += row[k];
            if (k < sinks) {
                sink += row[k];
            }
        }
        return total == 0 ? 0 : sink / total;
    }

    /**
     * Adds a row's mass by query-to-key distance into {@code bins}: bin i holds distances in
     * [edges[i], edges[i+1]) (the last bin is open-ended).
     */
    public static void addDistanceProfile(float[] row, int count, int queryPosition, int[] keyPositions,
                                          int[] edges, double[] bins) {
        for (int s = 0; s < count; s++) {
            int d = queryPosition - keyPositions[s];
            int b = Arrays.binarySearch(edges, d);
            if (b < 0) {
                b = -b - 2;
            }
            if (b >= 0) {
                bins[Math.min(b, bins.length - 1)] += row[s];
            }
        }
    }

    /** Distance bin edges 0, 1, 2, 4, 8, ... up to the first power of two ≥ {@code max}. */
    public static int[] logDistanceEdges(int max) {
        java.util.List<Integer> edges = new java.util.ArrayList<>(java.util.List.of(0));
        for (int e = 1; ; e *= 2) {
            edges.add(e);
            if (e >= max) {
                break;
            }
        }
        return edges.stream().mapToInt(Integer::intValue).toArray();
    }
}
