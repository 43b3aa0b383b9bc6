package org.kvscope.kv;

/**
 * Budgets decaying as (l + 1)^(−exponent) from the bottom layer l = 0.
 *
 * @param exponent decay exponent ≥ 0 (0 = uniform)
 */
public record PowerLawSchedule(double exponent) implements BudgetSchedule {
    public PowerLawSchedule {
        if (!(exponent >= 0 && exponent <= 10)) {
            throw new IllegalArgumentException("parameter 'exponent' must be [0.0, 10.0], was " + exponent);
        }
    }

    @Override public String name() { return "power-law"; }

    @Override
    public double[] shape(int layers) {
        double[] w = new double[layers];
        for (int l = 0; l < layers; l++) {
            w[l] = Math.pow(l + 1, -exponent);
        }
        return w;
    }
}
