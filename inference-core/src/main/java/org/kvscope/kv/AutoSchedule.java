package org.kvscope.kv;

import org.kvscope.metrics.Funnelling;
import org.kvscope.trace.AttentionEvidence;

/**
 * The "auto" schedule: layer budgets in proportion to each layer's measured need, the number of
 * positions that carry 90% of a query's attention mass, averaged over the layer's heads and the
 * observation-window queries of the prompt at hand (the funnelling profile). Layers whose
 * attention is spread out get more, layers that funnel onto a few positions get less.
 *
 * @param need per layer, mean positions for the mass fraction (bottom layer first)
 */
public record AutoSchedule(double[] need) implements BudgetSchedule {
    /** The share of attention mass a layer's kept positions should cover. */
    public static final double MASS = 0.9;

    public AutoSchedule {
        need = need.clone();
    }

    /** Measures the need of every layer from the evidence's window rows. */
    public static AutoSchedule of(AttentionEvidence ev) {
        double[] need = new double[ev.layers()];
        for (int l = 0; l < ev.layers(); l++) {
            double sum = 0;
            for (int h = 0; h < ev.heads(); h++) {
                for (int r = 0; r < ev.window(); r++) {
                    sum += Funnelling.positionsForMass(ev.row(l, h, r), ev.firstWindowQuery() + r + 1, MASS);
                }
            }
            need[l] = sum / (ev.heads() * ev.window());
        }
        return new AutoSchedule(need);
    }

    @Override public String name() { return "auto"; }

    @Override
    public double[] shape(int layers) {
        if (layers != need.length) {
            throw new IllegalArgumentException("the auto schedule was measured on " + need.length
                    + " layers but the model has " + layers);
        }
        return need.clone();
    }
}
