package org.kvscope.engine;

/**
 * Guards every metric downstream of the forward pass: logits that hold NaN or infinity (from
 * damaged weights or impossible hyper-parameters) stop the run with one line, instead of flowing
 * into perplexity, recall or entropy as NaN or as plausible-looking numbers.
 */
final class FiniteLogits {
    private FiniteLogits() {}

    /** Checks {@code logits[offset .. offset+vocab)} of the token at {@code position}. */
    static void require(float[] logits, int offset, int vocab, int position) {
        for (int i = offset; i < offset + vocab; i++) {
            if (!Float.isFinite(logits[i])) {
                throw new NonFiniteOutputException("the model produced " + logits[i] + " as the logit of token "
                        + (i - offset) + " at position " + position + ": its weights or hyper-parameters are broken"
                        + " (check the file with 'kvscope inspect --check --model FILE'); no metric would mean anything");
            }
        }
    }

    /** The forward pass produced a non-finite value. */
    static final class NonFiniteOutputException extends IllegalStateException {
        NonFiniteOutputException(String message) {
            super(message);
        }
    }
}
