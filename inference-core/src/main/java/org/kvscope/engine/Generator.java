package org.kvscope.engine;

import java.util.Arrays;
import java.util.function.BooleanSupplier;
import org.kvscope.sampling.Sampler;

/**
 * Prefill + decode loop: runs a prompt, then samples up to {@code maxTokens} tokens, streaming
 * each to a listener, stopping at end-of-sequence, on cancel or when the context is full.
 */
public final class Generator {
    private Generator() {}

    /** Receives each generated token as soon as it is sampled. */
    @FunctionalInterface
    public interface TokenListener {
        void onToken(int index, int token, float[] logits);
    }

    /** Why generation ended. */
    public enum StopReason { MAX_TOKENS, END_OF_SEQUENCE, CONTEXT_FULL, CANCELLED }

    /**
     * @param promptTokens  tokens to prefill (already including BOS where the model wants it)
     * @param prefillNanos  wall time of the prefill
     * @param decodeNanos   wall time of all decode steps
     * @param decodeSteps   number of decode forward passes
     */
    public record Result(int[] promptTokens, int[] generated, StopReason stopReason,
                         long prefillNanos, long decodeNanos, int decodeSteps) {
        public double prefillTokensPerSecond() {
            return prefillNanos == 0 ? 0 : promptTokens.length * 1e9 / prefillNanos;
        }

        public double decodeTokensPerSecond() {
            return decodeNanos == 0 ? 0 : decodeSteps * 1e9 / decodeNanos;
        }
    }

    public static Result generate(InferenceSession session, int[] promptTokens, int maxTokens, Sampler sampler,
                                  TokenListener listener, BooleanSupplier cancelled) {
        if (maxTokens < 0) {
            throw new IllegalArgumentException("-n must be >= 0, was " + maxTokens);
        }
        int eos = session.model().tokenizer().eos().orElse(-1);
        long t0 = System.nanoTime();
        float[] logits = session.prefill(promptTokens);
        long prefill = System.nanoTime() - t0;
        int[] out = new int[maxTokens];
        int count = 0;
        int steps = 0;
        long decode = 0;
        StopReason reason = StopReason.MAX_TOKENS;
        while (count < maxTokens) {
            if (cancelled != null && cancelled.getAsBoolean()) {
                reason = StopReason.CANCELLED;
                break;
            }
            int token = sampler.sample(logits);
            out[count++] = token;
            if (listener != null) {
                listener.onToken(count - 1, token, logits);
            }
            if (token == eos) {
                reason = StopReason.END_OF_SEQUENCE;
                break;
            }
            if (count == maxTokens) {
                break;
            }
            if (session.position() >= session.contextLength()) {
                reason = StopReason.CONTEXT_FULL;
                break;
            }
            long t1 = System.nanoTime();
            logits = session.decode(token);
            decode += System.nanoTime() - t1;
            steps++;
        }
        return new Result(promptTokens, Arrays.copyOf(out, count), reason, prefill, decode, steps);
    }
}
