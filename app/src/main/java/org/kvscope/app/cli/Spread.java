package org.kvscope.app.cli;

import java.util.Arrays;

/**
 * The median and range of a few measurements, e.g. bench-policies' per-pair ratios of a policy's
 * prefill to FullKV's run next to it (a pair shares the machine's state, so the ratio's median is
 * not biased by drift over the run).
 *
 * @param median the middle value (the mean of the two middle ones for an even count)
 */
record Spread(double median, double min, double max) {

    /** @param values at least one */
    static Spread of(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("no values to take the median of");
        }
        double[] v = values.clone();
        Arrays.sort(v);
        int m = v.length / 2;
        return new Spread(v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2, v[0], v[v.length - 1]);
    }

    /** The spread of {@code numerator[i] / denominator[i]} (equal lengths, paired by index). */
    static Spread ratios(double[] numerator, double[] denominator) {
        return of(pairedRatios(numerator, denominator));
    }

    /** {@code numerator[i] / denominator[i]} for each index (equal lengths). */
    static double[] pairedRatios(double[] numerator, double[] denominator) {
        if (numerator.length != denominator.length) {
            throw new IllegalArgumentException("unpaired measurements: " + numerator.length + " and " + denominator.length);
        }
        double[] r = new double[numerator.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = numerator[i] / denominator[i];
        }
        return r;
    }

    /** For ratios: {@code +1.2% [-0.4%..+3.0%]}, each as the change from 1. */
    String asPercentages() {
        return "%+.1f%% [%+.1f%%..%+.1f%%]".formatted(100 * (median - 1), 100 * (min - 1), 100 * (max - 1));
    }
}
