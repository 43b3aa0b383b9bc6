package org.kvscope.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.backend.Backends;
import org.kvscope.gguf.GGMLType;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.ForwardingPolicy;
import org.kvscope.kv.KeptPositions;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.metrics.LogProbs;
import org.kvscope.model.Model;
import org.kvscope.model.ModelLoader;
import org.kvscope.model.ModelShape;
import org.kvscope.model.SyntheticModelWriter;
import org.kvscope.sampling.Sampler;

/** Multi-question replay against direct sessions. */
class MultiQuestionReplayTest {
    @TempDir
    static Path dir;
    static Model model;
    static int[] context;
    static List<MultiQuestionReplay.Turn> turns = new ArrayList<>();

    @BeforeAll
    static void load() throws Exception {
        Path file = dir.resolve("tiny.gguf");
        SyntheticModelWriter.write(ModelShape.TINY_LLAMA, GGMLType.F32, file, 5);
        model = ModelLoader.load(file);
        SplittableRandom r = new SplittableRandom(4);
        context = r.ints(40, 0, ModelShape.TINY_LLAMA.vocab).toArray();
        for (int i = 0; i < 3; i++) {
            turns.add(new MultiQuestionReplay.Turn(r.ints(4, 0, 300).toArray(), r.ints(2, 0, 300).toArray()));
        }
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void fullKvAnswersAreThoseOfTheWholeConversationInOnePass() {
        List<MultiQuestionReplay.Answer> answers = MultiQuestionReplay.run(Backends.cpu(), model, () -> null,
                MultiQuestionReplay.Mode.FULL_KV, DecodeCap.NONE, context, turns);
        List<Integer> all = new ArrayList<>();
        Arrays.stream(context).forEach(all::add);
        List<int[]> answerRows = new ArrayList<>(); // per turn: rows whose logits predict each answer token
        for (MultiQuestionReplay.Turn t : turns) {
            Arrays.stream(t.question()).forEach(all::add);
            int[] rows = new int[t.answer().length];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = all.size() - 1;
                all.add(t.answer()[i]);
            }
            answerRows.add(rows);
        }
        int[] tokens = all.stream().mapToInt(Integer::intValue).toArray();
        int vocab = model.config().vocabSize();
        float[][] logits = new float[tokens.length][];
        try (InferenceSession s = new InferenceSession(model, new SessionOptions(tokens.length, tokens.length))) {
            s.prefillAll(tokens, (row, l, off) -> logits[row] = Arrays.copyOfRange(l, off, off + vocab));
        }
        for (int t = 0; t < turns.size(); t++) {
            int[] rows = answerRows.get(t);
            double logProb = 0;
            int[] greedy = new int[rows.length];
            for (int i = 0; i < rows.length; i++) {
                logProb += LogProbs.logProb(logits[rows[i]], turns.get(t).answer()[i]);
                greedy[i] = Sampler.argmax(logits[rows[i]]);
            }
            assertArrayEquals(greedy, answers.get(t).greedy(), "turn " + t);
            assertEquals(logProb, answers.get(t).answerLogProb(), 1e-3, "turn " + t);
        }
    }

    @Test
    void queryAwareCompressesAfterTheFirstQuestionAndQueryAgnosticBeforeIt() {
        Map<String, Object> params = Map.of("budget", 12, "window", 4);
        var aware = MultiQuestionReplay.run(Backends.cpu(), model, () -> PolicyRegistry.create("snapkv", params),
                MultiQuestionReplay.Mode.QUERY_AWARE, DecodeCap.NONE, context, turns);
        var agnostic = MultiQuestionReplay.run(Backends.cpu(), model, () -> PolicyRegistry.create("snapkv", params),
                MultiQuestionReplay.Mode.QUERY_AGNOSTIC, DecodeCap.NONE, context, turns);
        int[] q1 = turns.get(0).question();
        int[] withQuestion = Arrays.copyOf(context, context.length + q1.length);
        System.arraycopy(q1, 0, withQuestion, context.length, q1.length);
        // the reference flows, step by step on one session
        for (boolean queryAware : new boolean[] {true, false}) {
            try (InferenceSession s = new InferenceSession(model, new SessionOptions(128, 16))) {
                s.setPolicy(PolicyRegistry.create("snapkv", params));
                float[] logits;
                if (queryAware) {
                    logits = s.prefill(withQuestion);
                    s.setPolicy(null);
                    assertEquals(12, s.cache().size(0, 0), "compressed with the question in the window");
                } else {
                    s.prefill(context);
                    s.setPolicy(null);
                    assertEquals(12, s.cache().size(0, 0), "compressed before any question");
                    logits = s.prefill(q1);
                }
                var expected = queryAware ? aware.get(0) : agnostic.get(0);
                int[] answer = turns.get(0).answer();
                double logProb = 0;
                for (int i = 0; i < answer.length; i++) {
                    assertEquals(Sampler.argmax(logits), expected.greedy()[i]);
                    logProb += LogProbs.logProb(logits, answer[i]);
                    logits = s.decode(answer[i]);
                }
                assertEquals(logProb, expected.answerLogProb(), 0, queryAware ? "query-aware" : "query-agnostic");
            }
        }
    }

    /**
     * KVzip, query-agnostic: one reconstruction pass and one selection serve all three questions,
     * the context entries it kept stay the same through every turn, and asking the questions in
     * another order keeps the same entries. SnapKV, query-aware, also selects once per
     * conversation, but by the question it saw: another first question, another kept set.
     */
    @Test
    void kvzipScoresTheContextOnceForEveryQuestionWhileSnapKvSelectsByTheFirstQuestion() {
        List<MultiQuestionReplay.Turn> reversed = new ArrayList<>(turns.reversed());
        List<KeptPositions> kvzip = new ArrayList<>();
        for (List<MultiQuestionReplay.Turn> order : List.of(turns, reversed)) {
            CountingBackends backends = new CountingBackends(context.length);
            Selections policy = new Selections(PolicyRegistry.create("kvzip", Map.of("budget", 12)));
            var answers = MultiQuestionReplay.run(backends, model, () -> policy, MultiQuestionReplay.Mode.QUERY_AGNOSTIC,
                    DecodeCap.NONE, context, order);
            assertEquals(3, answers.size());
            assertEquals(1, backends.reconstructionPasses, "the context is reconstructed once for three questions");
            assertEquals(1, policy.kept.size(), "one selection");
            int forwards = 3 + 3 * 2; // each question's prefill, then one decode step per answer token
            assertEquals(forwards, backends.contextHeld.size());
            for (int[][][] held : backends.contextHeld) {
                assertArrayEquals(policy.kept.getFirst().positions(), held, "every turn sees the compressed context");
            }
            kvzip.add(policy.kept.getFirst());
        }
        assertArrayEquals(kvzip.get(0).positions(), kvzip.get(1).positions(), "the questions do not change the kept set");

        List<KeptPositions> snapkv = new ArrayList<>();
        for (List<MultiQuestionReplay.Turn> order : List.of(turns, reversed)) {
            CountingBackends backends = new CountingBackends(context.length);
            Selections policy = new Selections(PolicyRegistry.create("snapkv", Map.of("budget", 12, "window", 4)));
            MultiQuestionReplay.run(backends, model, () -> policy, MultiQuestionReplay.Mode.QUERY_AWARE, DecodeCap.NONE,
                    context, order);
            assertEquals(0, backends.reconstructionPasses);
            assertEquals(1, policy.kept.size(), "one selection, with the first question in its window");
            snapkv.add(policy.kept.getFirst());
        }
        assertFalse(Arrays.deepEquals(snapkv.get(0).positions(), snapkv.get(1).positions()),
                "SnapKV keeps what its first question attends to");
    }

    /** Records every kept set the wrapped policy selects after a prefill. */
    private static final class Selections extends ForwardingPolicy {
        final List<KeptPositions> kept = new ArrayList<>();

        Selections(CompressionPolicy policy) {
            super(policy);
        }

        @Override
        public KeptPositions selectAfterPrefill(PrefillContext ctx) {
            KeptPositions k = super.selectAfterPrefill(ctx);
            kept.add(k);
            return k;
        }
    }
}
