package org.kvscope.kv;

/**
 * How a total KV budget is split across layers. A schedule gives a relative shape per layer;
 * {@link #allocate} turns it into whole per-layer budgets whose sum is exactly the requested
 * total (largest-remainder rounding, no systematic over- or under-allocation), none above a cap.
 */
public interface BudgetSchedule {

    /** Name used on the command line and in reports. */
    String name();

    /** Positive relative weight of each layer (bottom layer first). */
    double[] shape(int layers);

    /**
     * Per-layer budgets proportional to {@link #shape}, summing exactly to {@code total}, each at
     * most {@code cap} (the excess of capped layers is handed to the others in proportion).
     *
     * @throws IllegalArgumentException when {@code total} exceeds {@code layers × cap}
     */
    default int[] allocate(int layers, long total, int cap) {
        if (layers <= 0 || total < 0 || cap < 0) {
            throw new IllegalArgumentException("need layers > 0, total >= 0, cap >= 0; got " + layers + ", " + total
                    + ", " + cap);
        }
        if (total > (long) layers * cap) {
            throw new IllegalArgumentException("budget total " + total + " exceeds " + layers + " layers × " + cap
                    + " positions");
        }
        double[] w = shape(layers);
        int[] out = new int[layers];
        boolean[] capped = new boolean[layers];
        long remaining = total;
        while (remaining > 0) {
            double weightSum = 0;
            for (int i = 0; i < layers; i++) {
                if (!capped[i]) {
                    weightSum += w[i];
                }
            }
            double[] exact = new double[layers];
            long assigned = 0;
            for (int i = 0; i < layers; i++) {
                if (!capped[i]) {
                    exact[i] = remaining * w[i] / weightSum;
                    assigned += (long) Math.floor(exact[i]);
                }
            }
            int[] add = new int[layers];
            for (int i = 0; i < layers; i++) {
                add[i] = capped[i] ? 0 : (int) Math.floor(exact[i]);
            }
            long leftover = remaining - assigned;
            while (leftover > 0) {
                int best = -1;
                double bestFrac = -1;
                for (int i = 0; i < layers; i++) {
                    double frac = exact[i] - add[i];
                    if (!capped[i] && frac > bestFrac) {
                        bestFrac = frac;
                        best = i;
                    }
                }
                add[best]++;
                exact[best] = add[best];
                leftover--;
            }
            boolean newlyCapped = false;
            remaining = 0;
            for (int i = 0; i < layers; i++) {
                out[i] += add[i];
                if (out[i] >= cap) {
                    remaining += out[i] - cap;
                    out[i] = cap;
                    if (!capped[i]) {
                        capped[i] = true;
                        newlyCapped = true;
                    }
                }
            }
            if (remaining > 0 && !newlyCapped) {
                throw new IllegalStateException("cannot place " + remaining + " budget entries");
            }
        }
        return out;
    }
}
