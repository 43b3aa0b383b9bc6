package org.kvscope.app.cli;

import java.util.Arrays;

/**
 * A distribution-free confidence interval for the median of independent measurements, from their
 * order statistics: with {@code n} values sorted, {@code [x(k), x(n+1-k)]} holds the true median
 * with probability {@code 1 - 2 P(B <= k-1)}, B ~ Binomial(n, 1/2). bench-policies uses it on the
 * per-pair ratios policy ÷ FullKV, so a reader sees whether a 5% bound is resolved.
 *
 * @param low      lower end (a measured value)
 * @param high     upper end (a measured value)
 * @param coverage the interval's exact confidence level, 0..1 (below the level asked for when there
 *                 are too few values: [min, max] covers 1 - 2^(1-n))
 */
record MedianInterval(double low, double high, double coverage) {

    /** The narrowest order-statistics interval whose coverage reaches {@code level} (else [min, max]). */
    static MedianInterval of(double[] values, double level) {
        int n = values.length;
        if (n == 0) {
            throw new IllegalArgumentException("no values to bound the median of");
        }
        if (!(level > 0 && level < 1)) {
            throw new IllegalArgumentException("confidence level must be between 0 and 1, was " + level);
        }
        double[] v = values.clone();
        Arrays.sort(v);
        int k = 1; // 1-based rank of the lower end
        while (k + 1 <= (n + 1) / 2 && coverage(n, k + 1) >= level) {
            k++;
        }
        return new MedianInterval(v[k - 1], v[n - k], coverage(n, k));
    }

    /** Coverage of {@code [x(k), x(n+1-k)]}: 1 - 2 P(B <= k-1). */
    static double coverage(int n, int k) {
        double logP = -n * Math.log(2), tail = 0; // P(B = 0) = 2^-n, then P(B = i) = P(B = i-1) (n-i+1) / i
        for (int i = 0; i < k; i++) {
            if (i > 0) {
                logP += Math.log((double) (n - i + 1) / i);
            }
            tail += Math.exp(logP);
        }
        return Math.max(0, 1 - 2 * tail);
    }

    /** Whether the whole interval lies at or below {@code bound} (for ratios: resolved within it). */
    boolean atMost(double bound) { return high <= bound; }

    /** Whether the whole interval lies above {@code bound} (resolved over it). */
    boolean above(double bound) { return low > bound; }

    /** For ratios: {@code [-0.4%..+3.0%] 96.9%}, each end as the change from 1, then the coverage. */
    String asPercentages() {
        return "[%+.1f%%..%+.1f%%] %.1f%%".formatted(100 * (low - 1), 100 * (high - 1), 100 * coverage);
    }
}
