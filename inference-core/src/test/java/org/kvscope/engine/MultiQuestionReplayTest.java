package org.kvscope.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
