package org.kvscope.kv;

import java.util.Arrays;

/** Every layer gets the same budget. */
public record UniformSchedule() implements BudgetSchedule {
    @Override public String name() { return "uniform"; }

    @Override
    public double[] shape(int layers) {
        double[] w = new double[layers];
        Arrays.fill(w, 1.0);
        return w;
    }
}
