package org.kvscope.viz.data;

/**
 * Perplexity of one policy at one budget compared with the full KV cache.
 *
 * @param policy         policy name
 * @param budget         KV budget in tokens
 * @param fullPerplexity perplexity with the full cache
 * @param perplexity     perplexity with the policy
 */
public record PerplexityDelta(String policy, int budget, double fullPerplexity, double perplexity) {

    public PerplexityDelta {
        Checks.notNull(policy, "policy");
        Checks.nonNegative(budget, "budget");
    }

    /** {@code perplexity - fullPerplexity}; positive means the policy is worse. */
    public double delta() {
        return perplexity - fullPerplexity;
    }
}
