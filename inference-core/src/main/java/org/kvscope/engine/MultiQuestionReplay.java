package org.kvscope.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.kvscope.backend.BackendFactory;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.metrics.LogProbs;
import org.kvscope.model.Model;
import org.kvscope.sampling.Sampler;

/**
 * Several questions answered one after another on one compressed cache (SCBench's shared-context,
 * multi-turn setting). The context is prefilled and compressed once; then every question is
 * prefilled and its answer teacher-forced (and kept in the cache, as in a conversation) without
 * compressing again: the policy acts once, and later turns live with what it kept. With
 * {@link DecodeCap#BUDGET} the cache is also cut back to the policy's selection after every
 * answer token.
 */
public final class MultiQuestionReplay {
    private MultiQuestionReplay() {}

    /** When the policy compresses, relative to the questions. */
    public enum Mode {
        /** No policy: the reference. */
        FULL_KV,
        /** After the context alone: the kept set cannot depend on any question. */
        QUERY_AGNOSTIC,
        /** After the context and the first question: the selection sees the first question only. */
        QUERY_AWARE;

        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    /** One question's tokens and its answer's tokens (both without BOS). */
    public record Turn(int[] question, int[] answer) {
        public Turn {
            if (question.length == 0 || answer.length == 0) {
                throw new IllegalArgumentException("a turn needs a non-empty question and answer");
            }
        }
    }

    /**
     * @param success       greedy decoding reproduces the answer exactly
     * @param answerLogProb summed log-probability of the answer tokens
     * @param greedy        greedy tokens over the answer's length
     */
    public record Answer(boolean success, double answerLogProb, int[] greedy) {}

    /** Tokens a replay needs room for. */
    public static int length(int[] context, List<Turn> turns) {
        int n = context.length;
        for (Turn t : turns) {
            n += t.question().length + t.answer().length;
        }
        return n;
    }

    /**
     * @param policy a fresh policy per call (ignored for {@link Mode#FULL_KV})
     * @return one answer per turn, in order
     */
    public static List<Answer> run(BackendFactory backend, Model model, Supplier<CompressionPolicy> policy, Mode mode,
                                   DecodeCap cap, int[] context, List<Turn> turns) {
        return run(backend, model, policy, mode, cap, context, turns, () -> false);
    }

    /**
     * {@link #run(BackendFactory, Model, Supplier, Mode, DecodeCap, int[], List)}, checking {@code cancelled} before
     * the context's prefill and before each turn.
     *
     * @throws CancellationException once {@code cancelled} turns true
     */
    public static List<Answer> run(BackendFactory backend, Model model, Supplier<CompressionPolicy> policy, Mode mode,
                                   DecodeCap cap, int[] context, List<Turn> turns, BooleanSupplier cancelled) {
        if (turns.isEmpty()) {
            throw new IllegalArgumentException("a replay needs at least one question");
        }
        try (InferenceSession s = new InferenceSession(model,
                SessionOptions.ofContext(backend, length(context, turns)))) {
            s.setDecodeCap(cap);
            s.setPolicy(mode == Mode.FULL_KV ? null : policy.get());
            List<Answer> out = new ArrayList<>();
            float[] logits;
            int first = 0;
            checkCancelled(cancelled);
            if (mode == Mode.QUERY_AWARE) {
                Turn t = turns.get(0);
                int[] both = new int[context.length + t.question().length];
                System.arraycopy(context, 0, both, 0, context.length);
                System.arraycopy(t.question(), 0, both, context.length, t.question().length);
                logits = s.prefill(both);
                s.setPolicy(null);
                out.add(answer(s, logits, t.answer()));
                first = 1;
            } else {
                s.prefill(context);
                s.setPolicy(null);
            }
            for (int i = first; i < turns.size(); i++) {
                checkCancelled(cancelled);
                Turn t = turns.get(i);
                out.add(answer(s, s.prefill(t.question()), t.answer()));
            }
            return out;
        }
    }

    private static void checkCancelled(BooleanSupplier cancelled) {
        if (cancelled.getAsBoolean()) {
            throw new CancellationException("multi-question replay cancelled");
        }
    }

    /** Scores the answer against the logits so far and feeds every answer token (kept for later turns). */
    private static Answer answer(InferenceSession s, float[] logits, int[] answer) {
        boolean success = true;
        double logProb = 0;
        int[] greedy = new int[answer.length];
        for (int i = 0; i < answer.length; i++) {
            greedy[i] = Sampler.argmax(logits);
            success &= greedy[i] == answer[i];
            logProb += LogProbs.logProb(logits, answer[i]);
            logits = s.decode(answer[i]);
        }
        return new Answer(success, logProb, greedy);
    }
}
