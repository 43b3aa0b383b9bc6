package org.kvscope.engine;

import java.util.Arrays;
import org.kvscope.backend.BackendFactory;
import org.kvscope.backend.Backends;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.metrics.CacheOccupancy;
import org.kvscope.metrics.LogProbs;
import org.kvscope.model.Model;
import org.kvscope.sampling.Sampler;
import org.kvscope.tokenizer.Tokenizer;

/**
 * Needle-in-a-haystack retrieval: the prompt hides a fact and ends with the start of a sentence
 * that recalls it; the answer is teacher-forced after the prompt with the policy active. Success
 * means greedy decoding would produce exactly the answer's tokens; the answer's log-probability
 * grades near misses.
 */
public final class NeedleEvaluator {
    private NeedleEvaluator() {}

    /**
     * @param success       greedy decoding reproduces the answer exactly
     * @param answerLogProb summed log-probability of the answer tokens
     * @param promptTokens  prompt length in tokens
     * @param greedyText    what greedy decoding produced over the answer's length
     * @param occupancy     cache entries and bytes while the answer was teacher-forced
     */
    public record Result(boolean success, double answerLogProb, int promptTokens, String greedyText,
                         CacheOccupancy occupancy) {
        public Result(boolean success, double answerLogProb, int promptTokens, String greedyText) {
            this(success, answerLogProb, promptTokens, greedyText, CacheOccupancy.NONE);
        }

        /** The same outcome (occupancy aside). */
        public boolean sameOutcome(Result o) {
            return success == o.success && Double.compare(answerLogProb, o.answerLogProb) == 0
                    && promptTokens == o.promptTokens && greedyText.equals(o.greedyText);
        }
    }

    /** Answer tokens as they follow the prompt (tokenised together, so merges at the seam are right). */
    public static int[][] promptAndAnswer(Tokenizer tok, String prompt, String answer) {
        int[] p = tok.encodeWithSpecials(prompt);
        int[] all = tok.encodeWithSpecials(prompt + answer);
        if (all.length > p.length && Arrays.equals(p, Arrays.copyOf(all, p.length))) {
            return new int[][] {p, Arrays.copyOfRange(all, p.length, all.length)};
        }
        return new int[][] {p, tok.encode(answer)};
    }

    /** On the CPU. */
    public static Result evaluate(Model model, CompressionPolicy policy, String prompt, String answer) {
        return evaluate(Backends.cpu(), model, policy, prompt, answer);
    }

    public static Result evaluate(BackendFactory backend, Model model, CompressionPolicy policy, String prompt,
                                  String answer) {
        return evaluate(backend, model, policy, DecodeCap.NONE, prompt, answer);
    }

    /** With the cache held as {@code cap} says while the answer is teacher-forced. */
    public static Result evaluate(BackendFactory backend, Model model, CompressionPolicy policy, DecodeCap cap,
                                  String prompt, String answer) {
        Tokenizer tok = model.tokenizer();
        int[][] pa = promptAndAnswer(tok, prompt, answer);
        int[] p = pa[0], a = pa[1];
        if (a.length == 0) {
            throw new IllegalArgumentException("the needle's answer '" + answer + "' encodes to no tokens");
        }
        try (InferenceSession s = new InferenceSession(model, SessionOptions.ofContext(backend, p.length + a.length))) {
            s.setDecodeCap(cap);
            return answer(s, tok, policy, p, a);
        }
    }

    private static Result answer(InferenceSession s, Tokenizer tok, CompressionPolicy policy, int[] p, int[] a) {
        s.setPolicy(policy);
        float[] logits = s.prefill(p);
        double logProb = 0;
        boolean success = true;
        int[] greedy = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            greedy[i] = Sampler.argmax(logits);
            success &= greedy[i] == a[i];
            logProb += LogProbs.logProb(logits, a[i]);
            if (i + 1 < a.length) {
                logits = s.decode(a[i]);
            }
        }
        return new Result(success, logProb, p.length, tok.decode(greedy), s.occupancy());
    }
}
