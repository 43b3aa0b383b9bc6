package org.kvscope.metrics;

/** Numerically stable log-softmax helpers over a row of logits. */
public final class LogProbs {
    private LogProbs() {}

    /** log p(token) under softmax(logits[offset .. offset+n)). */
    public static double logProb(float[] logits, int offset, int n, int token) {
        if (token < 0 || token >= n) {
            throw new IllegalArgumentException("token " + token + " outside 0.." + (n - 1));
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, logits[offset + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(logits[offset + i] - max);
        }
        return logits[offset + token] - max - Math.log(sum);
    }

    public static double logProb(float[] logits, int token) {
        return logProb(logits, 0, logits.length, token);
    }
}
