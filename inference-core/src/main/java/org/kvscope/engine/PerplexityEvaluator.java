package org.kvscope.engine;

import org.kvscope.backend.BackendFactory;
import org.kvscope.backend.Backends;
import org.kvscope.metrics.LogProbs;
import org.kvscope.model.Model;

/**
 * Teacher-forced negative log-likelihood of a token sequence. The sequence is cut into windows
 * of the session's context length; each window starts fresh (BOS prepended when the model uses
 * one) and every token after the first of a window is scored.
 */
public final class PerplexityEvaluator {
    private PerplexityEvaluator() {}

    /**
     * @param tokens     number of tokens scored
     * @param nll        summed negative log-likelihood in nats
     * @param windows    number of context windows used
     */
    public record Result(int tokens, double nll, int windows) {
        public double meanNll() { return tokens == 0 ? Double.NaN : nll / tokens; }

        public double perplexity() { return Math.exp(meanNll()); }
    }

    /** On the CPU. */
    public static Result evaluate(Model model, int[] tokens, int context, java.util.function.IntConsumer progress) {
        return evaluate(Backends.cpu(), model, tokens, context, progress);
    }

    public static Result evaluate(BackendFactory backend, Model model, int[] tokens, int context,
                                  java.util.function.IntConsumer progress) {
        if (context < 2) {
            throw new IllegalArgumentException("context must be at least 2 tokens, was " + context);
        }
        try (InferenceSession session = new InferenceSession(model, SessionOptions.ofContext(backend, context))) {
            return windows(session, model, tokens, context, progress);
        }
    }

    private static Result windows(InferenceSession session, Model model, int[] tokens, int context,
                                  java.util.function.IntConsumer progress) {
        int bos = model.tokenizer().bos().orElse(-1);
        double nll = 0;
        int scored = 0;
        int windows = 0;
        int stride = bos >= 0 ? context - 1 : context;
        for (int start = 0; start < tokens.length; start += stride) {
            int len = Math.min(stride, tokens.length - start);
            int[] window = new int[len + (bos >= 0 ? 1 : 0)];
            int shift = 0;
            if (bos >= 0) {
                window[0] = bos;
                shift = 1;
            }
            System.arraycopy(tokens, start, window, shift, len);
            if (window.length < 2) {
                break;
            }
            session.reset();
            double[] sum = new double[1];
            int[] count = new int[1];
            int[] w = window;
            session.prefillAll(window, (row, logits, off) -> {
                if (row + 1 < w.length) {
                    sum[0] -= LogProbs.logProb(logits, off, model.config().vocabSize(), w[row + 1]);
                    count[0]++;
                }
            });
            nll += sum[0];
            scored += count[0];
            windows++;
            if (progress != null) {
                progress.accept(Math.min(tokens.length, start + len));
            }
        }
        return new Result(scored, nll, windows);
    }
}
