package org.kvscope.app.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kvscope.backend.Backends;
import org.kvscope.engine.DecodeCap;
import org.kvscope.engine.MultiQuestionReplay.Mode;
import org.kvscope.model.Model;
import org.kvscope.model.ModelLoader;
import org.kvscope.model.SharedModels;
import org.kvscope.prompts.Suites;

/** Several policies replayed together: FullKV once per replay, the same numbers as one policy at a time, cancel within a replay. */
class MultiQuestionRunTest {
    private static Model model;
    private static List<MultiQuestionRun.Replay> replays;

    @BeforeAll
    static void load() throws Exception {
        var file = SharedModels.find("stories260K.gguf");
        Assumptions.assumeTrue(file.isPresent(), SharedModels.missingMessage("stories260K.gguf"));
        model = ModelLoader.load(file.get());
        replays = MultiQuestionRun.replays(model, Suites.byId("needle-stories-short"), 2, 2);
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    @Test
    void policiesShareOneFullKvRunAndGiveWhatEachGivesAlone() {
        List<MultiQuestionRun.PolicyRun> policies = List.of(new MultiQuestionRun.PolicyRun("snapkv", Map.of("budget", 16)),
                new MultiQuestionRun.PolicyRun("streamingllm", Map.of("budget", 16)));
        List<Double> progress = new ArrayList<>();
        List<MultiQuestionRun.Result> both = MultiQuestionRun.run(Backends.cpu(), model, replays, policies,
                DecodeCap.NONE, progress::add, () -> false);
        assertEquals(List.of(0.5, 1.0), progress, "one step per replay");
        assertEquals(2, both.size());
        for (int i = 0; i < both.get(0).turns().size(); i++) {
            assertSame(both.get(0).turns().get(i).answers().get(Mode.FULL_KV),
                    both.get(1).turns().get(i).answers().get(Mode.FULL_KV), "FullKV ran once for both policies");
        }
        for (int p = 0; p < policies.size(); p++) {
            MultiQuestionRun.Result alone = MultiQuestionRun.run(Backends.cpu(), model, replays, policies.get(p).policy(),
                    policies.get(p).params(), DecodeCap.NONE, null, null);
            assertEquals(alone.turns().size(), both.get(p).turns().size());
            for (int i = 0; i < alone.turns().size(); i++) {
                for (Mode m : Mode.values()) {
                    assertEquals(alone.turns().get(i).answers().get(m).answerLogProb(),
                            both.get(p).turns().get(i).answers().get(m).answerLogProb(), 0.0,
                            policies.get(p).policy() + " " + m.id() + " turn " + i);
                }
            }
        }
    }

    @Test
    void cancelTakesEffectWithinTheFirstReplay() {
        AtomicInteger polls = new AtomicInteger();
        List<Double> progress = new ArrayList<>();
        assertThrows(CancellationException.class, () -> MultiQuestionRun.run(Backends.cpu(), model, replays,
                List.of(new MultiQuestionRun.PolicyRun("snapkv", Map.of("budget", 16))), DecodeCap.NONE, progress::add,
                () -> polls.incrementAndGet() > 2));
        assertEquals(List.of(), progress, "no replay finished: the run stopped between turns of the first one");
        assertEquals(3, polls.get(), "it stopped at the first check after cancelling");
    }
}
