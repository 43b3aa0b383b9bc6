package org.kvscope.metrics;

import java.util.Arrays;

/**
 * Statistics of one attention row that together show "pyramidal funnelling": lower layers spread
 * attention broadly, upper layers concentrate it on few positions and on sinks.
 */
public final class Funnelling {
    private Funnelling() {}

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

    /** Rows up to this length are simply sorted; longer ones are bucketed by magnitude first. */
    private static final int SORT_BELOW = 48;
    /** A weight's bucket: its float bits without the low 20 (exponent and 3 mantissa bits: 8 buckets a binade). */
    private static final int BUCKET_SHIFT = 20;
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * Working memory of {@link #positionsForMass}: mass and count per magnitude bucket (all zero
     * between uses) and room for one bucket's weights. One thread at a time; a caller that keeps
     * one per thread or per head saves the thread-local lookup each row would otherwise cost.
     */
    public static final class Scratch {
        private final double[] mass = new double[1 << (31 - BUCKET_SHIFT)];
        private final int[] count = new int[mass.length];
        private float[] weights = new float[256];

        private void clear(int from, int to) {
            Arrays.fill(mass, from, to + 1, 0);
            Arrays.fill(count, from, to + 1, 0);
        }

        private float[] weights(int n) {
            if (weights.length < n) {
                weights = new float[Math.max(n, 2 * weights.length)];
            }
            return weights;
        }
    }

    /**
     * Fewest positions whose weights cover {@code fraction} of the row's mass (within 1e-6 of the
     * total). Long rows of non-negative weights are not sorted: one pass sums them per magnitude
     * bucket (the order of non-negative floats is the order of their bits), the heaviest buckets
     * are taken whole while they fall short of the target, and only the bucket that crosses it is
     * searched by partitioning ({@link #heaviestCovering}); this gives the same count as sorting
     * the row.
     */
    public static int positionsForMass(float[] row, int count, double fraction) {
        return count < SORT_BELOW ? positionsForMassSorted(row, count, fraction)
                : positionsForMass(row, count, fraction, SCRATCH.get());
    }

    /** {@link #positionsForMass} with the caller's working memory. */
    public static int positionsForMass(float[] row, int count, double fraction, Scratch b) {
        if (count < SORT_BELOW) {
            return positionsForMassSorted(row, count, fraction);
        }
        double total = 0;
        int low = b.mass.length - 1, high = 0;
        for (int k = 0; k < count; k++) {
            float v = row[k];
            if (!(v >= 0 && v < Float.POSITIVE_INFINITY)) { // negative, infinite or NaN: the general path
                b.clear(low, Math.max(low, high));
                return positionsForMassSorted(row, count, fraction);
            }
            int key = (Float.floatToRawIntBits(v) & 0x7fffffff) >>> BUCKET_SHIFT; // -0.0 with +0.0
            b.mass[key] += v;
            b.count[key]++;
            low = Math.min(low, key);
            high = Math.max(high, key);
            total += v;
        }
        double target = fraction * total - 1e-6 * total, acc = 0;
        int taken = 0, key = high;
        while (key > low && acc + b.mass[key] < target) {
            acc += b.mass[key];
            taken += b.count[key];
            key--;
        }
        float[] a = b.weights(b.count[key]);
        int n = 0;
        for (int k = 0; k < count; k++) {
            float v = row[k];
            if ((Float.floatToRawIntBits(v) & 0x7fffffff) >>> BUCKET_SHIFT == key) {
                a[n++] = v;
            }
        }
        b.clear(low, high);
        return taken + heaviestCovering(a, n, target - acc);
    }

    /**
     * The smallest j ≥ 1 for which the j largest of {@code a[0..count)} sum to at least {@code target}
     * ({@code count} when none does); reorders {@code a}. Each step partitions the undecided range
     * around a pivot into heavier, equal and lighter values and keeps only the part where the
     * running sum crosses the target.
     */
    static int heaviestCovering(float[] a, int count, double target) {
        int lo = 0, hi = count, taken = 0;
        int whenShort = count; // the answer if a heavier part chosen below falls short by rounding
        double acc = 0;
        while (hi - lo >= SORT_BELOW) {
            float pivot = median3(a[lo], a[(lo + hi) >>> 1], a[hi - 1]);
            // three-way partition: [lo, gt) > pivot, [gt, lt) == pivot, [lt, hi) < pivot
            int gt = lo, i = lo, lt = hi;
            double heavy = 0;
            while (i < lt) {
                float v = a[i];
                if (v > pivot) {
                    heavy += v;
                    a[i++] = a[gt];
                    a[gt++] = v;
                } else if (v < pivot) {
                    a[i] = a[--lt];
                    a[lt] = v;
                } else {
                    i++;
                }
            }
            if (gt > lo && acc + heavy >= target) {
                whenShort = Math.min(count, taken + gt - lo + 1);
                hi = gt;
                continue;
            }
            acc += heavy;
            taken += gt - lo;
            for (int e = gt; e < lt; e++) {
                acc += pivot;
                taken++;
                if (acc >= target) {
                    return taken;
                }
            }
            lo = lt;
        }
        java.util.Arrays.sort(a, lo, hi);
        for (int k = hi - 1; k >= lo; k--) {
            acc += a[k];
            taken++;
            if (acc >= target) {
                return taken;
            }
        }
        return whenShort;
    }

    private static float median3(float x, float y, float z) {
        return Math.max(Math.min(x, y), Math.min(Math.max(x, y), z));
    }

    /** {@link #positionsForMass} by sorting the whole row (short rows, and rows with negative or NaN weights). */
    static int positionsForMassSorted(float[] row, int count, double fraction) {
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

    /**
     * {@link #addDistanceProfile} for the edges of {@link #logDistanceEdges} ({@code bins.length} of them):
     * the bin of distance d ≥ 1 is 1 + ⌊log2 d⌋ (capped at the last, open-ended bin), so no search per key.
     */
    public static void addLogDistanceProfile(float[] row, int count, int queryPosition, int[] keyPositions,
                                             double[] bins) {
        int last = bins.length - 1;
        for (int s = 0; s < count; s++) {
            int d = queryPosition - keyPositions[s];
            if (d >= 0) {
                bins[Math.min(32 - Integer.numberOfLeadingZeros(d), last)] += row[s];
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
