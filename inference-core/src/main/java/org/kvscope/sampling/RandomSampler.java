package org.kvscope.sampling;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Temperature sampling restricted by top-k and top-p (nucleus), reproducible for a seed. */
final class RandomSampler implements Sampler {
    private final SamplingOptions o;
    private final SplittableRandom random;

    RandomSampler(SamplingOptions options) {
        this.o = options;
        this.random = new SplittableRandom(options.seed());
    }

    @Override
    public int sample(float[] logits) {
        int n = logits.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]) != 0
                ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
        int keep = o.topK() > 0 ? Math.min(o.topK(), n) : n;
        double max = logits[order[0]];
        double[] p = new double[keep];
        double sum = 0;
        for (int i = 0; i < keep; i++) {
            p[i] = Math.exp((logits[order[i]] - max) / o.temperature());
            sum += p[i];
        }
        double cumulative = 0;
        int cut = keep;
        for (int i = 0; i < keep; i++) {
            cumulative += p[i] / sum;
            if (cumulative >= o.topP()) {
                cut = i + 1;
                break;
            }
        }
        double total = 0;
        for (int i = 0; i < cut; i++) {
            total += p[i];
        }
        double r = random.nextDouble() * total;
        for (int i = 0; i < cut; i++) {
            r -= p[i];
            if (r <= 0) {
                return order[i];
            }
        }
        return order[cut - 1];
    }
}
