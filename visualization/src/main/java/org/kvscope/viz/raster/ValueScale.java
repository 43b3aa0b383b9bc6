package org.kvscope.viz.raster;

import org.kvscope.viz.ColorScales;
import org.kvscope.viz.data.AttentionMap;

/**
 * How the weights of one map become positions 0..1 on a colour scale: an optional per-row factor (row
 * normalisation divides each query row by its largest visible weight) and the range [lo, hi] that spans the scale.
 * {@code hi} is the largest (normalised) weight, or a percentile of them when clipping; values above it saturate.
 * The range is fixed per map and options, so zooming and panning never change a cell's colour.
 *
 * @param rowFactors  multiplier per query row, or null for none
 * @param lo          weight at colour 0 (0 for linear; {@code hi / 10^LOG_DECADES} or the minimum for log)
 * @param hi          weight at colour 1
 * @param mapping     linear or log
 * @param percentile  the clipping percentile in (0, 100), or NaN when not clipped
 */
public record ValueScale(float[] rowFactors, double lo, double hi, ColorScales.Mapping mapping, double percentile) {
    private static final int HISTOGRAM_BINS = 1 << 16;

    /**
     * Scale for {@code map}.
     *
     * @param rowNormalise divide each row by its maximum
     * @param percentile   clip at this percentile of the visible weights (0 &lt; p &lt; 100), or NaN / 100 for none
     */
    public static ValueScale of(AttentionMap map, ColorScales.Mapping mapping, boolean rowNormalise,
                                double percentile) {
        if (!Double.isNaN(percentile) && !(percentile > 0 && percentile <= 100)) {
            throw new IllegalArgumentException("clipping percentile must be in (0, 100] but was " + percentile);
        }
        float[] factors = rowNormalise ? rowFactors(map) : null;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        int qc = map.queryCount();
        int kc = map.keyCount();
        float[] w = map.weights();
        for (int q = 0; q < qc; q++) {
            float f = factors == null ? 1 : factors[q];
            for (int k = 0; k < kc; k++) {
                float v = w[q * kc + k];
                if (v == v && !map.isCausallyMasked(q, k)) {
                    v *= f;
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
        }
        if (min > max) {
            return new ValueScale(factors, 0, 1, mapping, Double.NaN);
        }
        boolean clip = !Double.isNaN(percentile) && percentile < 100 && max > 0;
        double hi = clip ? percentileOf(map, factors, Math.max(0, min), max, percentile) : max;
        if (!(hi > 0)) {
            hi = max;
        }
        double lo = mapping == ColorScales.Mapping.LOG ? ColorScales.logFloor(min, hi) : Math.min(0, min);
        return new ValueScale(factors, lo, hi, mapping, clip ? percentile : Double.NaN);
    }

    /** 1 / largest visible weight of each row (1 for a row without positive weights). */
    static float[] rowFactors(AttentionMap map) {
        int qc = map.queryCount();
        int kc = map.keyCount();
        float[] w = map.weights();
        float[] out = new float[qc];
        for (int q = 0; q < qc; q++) {
            float best = 0;
            for (int k = 0; k < kc; k++) {
                float v = w[q * kc + k];
                if (v > best && !map.isCausallyMasked(q, k)) {
                    best = v;
                }
            }
            out[q] = best > 0 ? 1 / best : 1;
        }
        return out;
    }

    /** The p-th percentile of the visible weights, from a 65,536-bin histogram over [lo, hi] (error ≤ span/65,536). */
    private static double percentileOf(AttentionMap map, float[] factors, double lo, double hi, double p) {
        int[] counts = new int[HISTOGRAM_BINS];
        int qc = map.queryCount();
        int kc = map.keyCount();
        float[] w = map.weights();
        double scale = (HISTOGRAM_BINS - 1) / (hi - lo);
        long total = 0;
        for (int q = 0; q < qc; q++) {
            float f = factors == null ? 1 : factors[q];
            for (int k = 0; k < kc; k++) {
                float v = w[q * kc + k];
                if (v == v && !map.isCausallyMasked(q, k)) {
                    counts[Math.clamp((int) ((v * f - lo) * scale), 0, HISTOGRAM_BINS - 1)]++;
                    total++;
                }
            }
        }
        long target = (long) Math.ceil(p / 100 * total);
        long seen = 0;
        for (int b = 0; b < HISTOGRAM_BINS; b++) {
            seen += counts[b];
            if (seen >= target) {
                return lo + (b + 1) / scale;
            }
        }
        return hi;
    }

    /** Position 0..1 of a (row-normalised) weight on the colour scale. */
    public double position(double v) {
        if (mapping == ColorScales.Mapping.LOG) {
            if (!(hi > lo) || !(lo > 0)) {
                return v >= hi ? 1 : 0;
            }
            return v <= lo ? 0 : Math.min(1, Math.log(v / lo) / Math.log(hi / lo));
        }
        double span = hi - lo;
        return span > 0 ? Math.clamp((v - lo) / span, 0.0, 1.0) : 1;
    }

    /** Multiplier of query row {@code q}. */
    public float rowFactor(int q) {
        return rowFactors == null ? 1 : rowFactors[q];
    }

    /** Whether values are divided by their row maximum. */
    public boolean rowNormalised() {
        return rowFactors != null;
    }
}
