package org.kvscope.kv;

/**
 * Budgets following half a cosine from the bottom layer (weight 1) down to the top layer
 * (weight {@code minRatio}).
 *
 * @param minRatio top layer's weight relative to the bottom's, in (0, 1]
 */
public record CosineSchedule(double minRatio) implements BudgetSchedule {
    public CosineSchedule {
        if (!(minRatio > 0 && minRatio <= 1)) {
            throw new IllegalArgumentException("parameter 'min-ratio' must be (0, 1], was " + minRatio);
        }
    }

    @Override public String name() { return "cosine"; }

    @Override
    public double[] shape(int layers) {
        double[] w = new double[layers];
        for (int l = 0; l < layers; l++) {
            double t = layers == 1 ? 0 : (double) l / (layers - 1);
            w[l] = minRatio + (1 - minRatio) * (1 + Math.cos(Math.PI * t)) / 2;
        }
        return w;
    }
}
