package org.kvscope.kv;

/**
 * PyramidKV's arithmetic schedule. With an average of m entries per layer (m = C − α in the
 * paper, the window excluded), the top layer gets m/β, the bottom layer 2m − m/β, and layers in
 * between fall linearly:
 * <pre>  budget(l) = (2m − m/β) − l · (2m − 2m/β) / (L − 1)</pre>
 * so the mean is exactly m and the total over layers exactly L·m (after largest-remainder
 * rounding). The reference code floors its step, over-allocating by up to ~20%; this does not.
 *
 * @param beta steepness, ≥ 1 (1 = uniform; larger = steeper pyramid)
 */
public record PyramidSchedule(double beta) implements BudgetSchedule {
    public PyramidSchedule {
        if (!(beta >= 1 && beta <= 1000)) {
            throw new IllegalArgumentException("parameter 'beta' must be [1.0, 1000.0], was " + beta);
        }
    }

    @Override public String name() { return "pyramid"; }

    @Override
    public double[] shape(int layers) {
        double min = 1 / beta, max = 2 - 1 / beta;
        double[] w = new double[layers];
        for (int l = 0; l < layers; l++) {
            w[l] = layers == 1 ? 1 : max - (max - min) * l / (layers - 1);
        }
        return w;
    }
}
