package org.kvscope.viz.data;

/**
 * A metric against budget with its spread: the middle line (e.g. the median over prompts) and a
 * band from {@code low} to {@code high} (e.g. min–max over prompts).
 */
public record BandCurve(String name, double[] budgets, double[] low, double[] mid, double[] high) {
    public BandCurve {
        Checks.notNull(name, "name");
        Checks.length(low.length, budgets.length, "low", "one per budget");
        Checks.length(mid.length, budgets.length, "mid", "one per budget");
        Checks.length(high.length, budgets.length, "high", "one per budget");
    }
}
