package org.kvscope.engine;

import java.util.Arrays;
import java.util.function.Supplier;
import org.kvscope.backend.BackendFactory;
import org.kvscope.backend.Backends;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.metrics.CacheOccupancy;
import org.kvscope.metrics.LogProbs;
import org.kvscope.model.Model;

/**
 * Perplexity under compression: prefill a context with the policy active (it compresses after
 * prefill), then teacher-force a continuation token by token with the compressed cache (letting
 * decode-time policies evict as they would while generating) and score each continuation token.
 */
public final class CompressedPerplexity {
    private CompressedPerplexity() {}

    /**
     * @param nll       summed negative log-likelihood of the continuation (nats)
     * @param tokens    continuation tokens scored
     * @param occupancy cache entries and bytes over the continuation (after prefill and every step)
     */
    public record Result(double nll, int tokens, CacheOccupancy occupancy) {
        public Result(double nll, int tokens) {
            this(nll, tokens, CacheOccupancy.NONE);
        }

        public double meanNll() { return nll / tokens; }

        public double perplexity() { return Math.exp(meanNll()); }
    }

    /**
     * @param policy       a fresh policy instance per call (null or FullKV for the baseline)
     * @param context      prompt tokens (BOS included when the model wants it)
     * @param continuation tokens to score after the context
     */
    public static Result evaluate(Model model, CompressionPolicy policy, int[] context, int[] continuation,
                                  Supplier<Boolean> cancelled) {
        return evaluate(Backends.cpu(), model, policy, context, continuation, cancelled);
    }

    /** Like {@link #evaluate(Model, CompressionPolicy, int[], int[], Supplier)} on {@code backend}. */
    public static Result evaluate(BackendFactory backend, Model model, CompressionPolicy policy, int[] context,
                                  int[] continuation, Supplier<Boolean> cancelled) {
        return evaluate(backend, model, policy, DecodeCap.NONE, context, continuation, cancelled);
    }

    /** With the cache held as {@code cap} says during the continuation. */
    public static Result evaluate(BackendFactory backend, Model model, CompressionPolicy policy, DecodeCap cap,
                                  int[] context, int[] continuation, Supplier<Boolean> cancelled) {
        return evaluate(backend, model, policy, cap, context, null, continuation, cancelled);
    }

    /**
     * Like {@link #evaluate(BackendFactory, Model, CompressionPolicy, DecodeCap, int[], int[], Supplier)}
     * with the context's prefill continued from {@code fork} (lent by a session that ran its first chunks;
     * see {@link #sessionOptions}) instead of run from position 0: the same result.
     */
    public static Result evaluate(BackendFactory backend, Model model, CompressionPolicy policy, DecodeCap cap,
                                  PrefillFork fork, int[] continuation, Supplier<Boolean> cancelled) {
        return evaluate(backend, model, policy, cap, fork.context(), fork, continuation, cancelled);
    }

    /** The session a perplexity run of {@code context} then {@code continuation} tokens runs in. */
    public static SessionOptions sessionOptions(BackendFactory backend, int context, int continuation) {
        return SessionOptions.ofContext(backend, context + continuation);
    }

    private static Result evaluate(BackendFactory backend, Model model, CompressionPolicy policy, DecodeCap cap,
                                   int[] context, PrefillFork fork, int[] continuation, Supplier<Boolean> cancelled) {
        if (context.length == 0 || continuation.length == 0) {
            throw new IllegalArgumentException("perplexity needs a non-empty context and continuation");
        }
        int vocab = model.config().vocabSize();
        try (InferenceSession s = new InferenceSession(model,
                sessionOptions(backend, context.length, continuation.length))) {
            s.setDecodeCap(cap);
            s.setPolicy(policy);
            float[] logits = fork != null ? s.prefill(fork) : s.prefill(context);
            return score(s, vocab, logits, continuation, cancelled);
        }
    }

    private static Result score(InferenceSession s, int vocab, float[] logits, int[] continuation,
                                Supplier<Boolean> cancelled) {
        if (s.canTeacherForce()) {
            return teacherForced(s, vocab, logits, continuation, cancelled);
        }
        double nll = 0;
        for (int i = 0; i < continuation.length; i++) {
            checkCancelled(cancelled);
            nll -= LogProbs.logProb(logits, 0, vocab, continuation[i]);
            if (i + 1 < continuation.length) {
                logits = s.decode(continuation[i]);
            }
        }
        return new Result(nll, continuation.length, s.occupancy());
    }

    /**
     * The continuation through {@link InferenceSession#teacherForce} over the compressed cache (in the
     * policy's decode windows, when it slides them), a prefill chunk at a time: token i's row scores
     * token i + 1, as its decode step would.
     */
    private static Result teacherForced(InferenceSession s, int vocab, float[] first, int[] continuation,
                                        Supplier<Boolean> cancelled) {
        double[] nll = {-LogProbs.logProb(first, 0, vocab, continuation[0])};
        int fed = continuation.length - 1; // the last token is scored, never fed
        for (int off = 0; off < fed; off += s.prefillChunk()) {
            checkCancelled(cancelled);
            int base = off;
            s.teacherForce(Arrays.copyOfRange(continuation, off, Math.min(fed, off + s.prefillChunk())),
                    (row, logits, o) -> nll[0] -= LogProbs.logProb(logits, o, vocab, continuation[base + row + 1]));
        }
        return new Result(nll[0], continuation.length, s.occupancy());
    }

    private static void checkCancelled(Supplier<Boolean> cancelled) {
        if (cancelled != null && cancelled.get()) {
            throw new java.util.concurrent.CancellationException("perplexity run cancelled");
        }
    }
}
