package org.kvscope.sampling;

/**
 * Sampling settings.
 *
 * @param temperature 0 for greedy, otherwise &gt; 0 (logits are divided by it)
 * @param topK        keep the k most likely tokens (0 = all)
 * @param topP        keep the smallest set whose probability reaches p (1 = all)
 * @param seed        random seed; equal seeds give equal samples
 */
public record SamplingOptions(float temperature, int topK, float topP, long seed) {
    public SamplingOptions {
        if (!(temperature >= 0f) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("--temperature must be a finite number >= 0, was " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("--top-k must be >= 0 (0 = no limit), was " + topK);
        }
        if (!(topP > 0f && topP <= 1f)) {
            throw new IllegalArgumentException("--top-p must be in (0, 1], was " + topP);
        }
    }

    public static SamplingOptions greedy() {
        return new SamplingOptions(0f, 0, 1f, 0L);
    }
}
