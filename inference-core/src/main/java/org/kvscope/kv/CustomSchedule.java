package org.kvscope.kv;

/**
 * A per-layer list of relative weights given by the user (e.g. "4,4,2,1,1"); the total budget is
 * split in these proportions.
 */
public record CustomSchedule(int[] weights) implements BudgetSchedule {
    public CustomSchedule {
        if (weights.length == 0) {
            throw new IllegalArgumentException("parameter 'layer-weights' needs one positive integer per layer");
        }
        for (int w : weights) {
            if (w <= 0) {
                throw new IllegalArgumentException("parameter 'layer-weights' entries must be positive, got " + w);
            }
        }
        weights = weights.clone();
    }

    @Override public String name() { return "custom"; }

    @Override
    public double[] shape(int layers) {
        if (layers != weights.length) {
            throw new IllegalArgumentException("parameter 'layer-weights' has " + weights.length
                    + " entries but the model has " + layers + " layers");
        }
        double[] w = new double[layers];
        for (int l = 0; l < layers; l++) {
            w[l] = weights[l];
        }
        return w;
    }
}
