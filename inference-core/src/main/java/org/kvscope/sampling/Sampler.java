package org.kvscope.sampling;

/** Picks the next token from a row of logits. */
@FunctionalInterface
public interface Sampler {
    int sample(float[] logits);

    /** The argmax sampler (deterministic; ties go to the lowest id). */
    static Sampler greedy() {
        return Sampler::argmax;
    }

    /** Greedy when temperature is 0, otherwise seeded temperature / top-k / top-p sampling. */
    static Sampler of(SamplingOptions options) {
        return options.temperature() == 0f ? greedy() : new RandomSampler(options);
    }

    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }
}
