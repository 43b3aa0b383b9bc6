package org.kvscope.app.ui.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kvscope.app.cli.Cli;
import org.kvscope.app.eval.MultiQuestionRun;
import org.kvscope.app.ui.DeviceProbe;
import org.kvscope.app.ui.Workbench;
import org.kvscope.app.ui.session.RecentModels;
import org.kvscope.engine.MultiQuestionReplay.Mode;
import org.kvscope.model.SharedModels;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The workbench's multi-question replay gives what {@code needle --questions M --replays N} reports; cancel drops the run. */
@ExtendWith(ApplicationExtension.class)
class ReplayViewModelTest {
    private static final String SUITE = "needle-stories-short";
    private static Path dir;
    private static Path model;
    private WorkbenchViewModel vm;
    private ReplayViewModel replay;

    @BeforeAll
    static void fixtures() throws Exception {
        dir = Files.createTempDirectory("kvscope-replay");
        model = org.kvscope.app.ui.FxWait.storiesOrGenerated(dir);
    }

    @Start
    void start(Stage stage) {
        // the toolkit only
    }

    @BeforeEach
    void load() throws Exception {
        vm = new WorkbenchViewModel(new Workbench(), UiThreads.direct(Duration.ofMillis(50)),
                new RecentModels(dir.resolve("recent.json")), DeviceProbe.cpuOnly());
        vm.policies().forEach(p -> p.setNeedlesEnabled(false));
        vm.openModel(model);
        assertNotNull(vm.model());
        vm.policyA().select("snapkv");
        vm.policyA().set("budget", 16);
        vm.policyB().select("streamingllm");
        vm.policyB().set("budget", 16);
        replay = fx(() -> {
            ReplayViewModel r = new ReplayViewModel(vm);
            r.suiteProperty().set(org.kvscope.app.ui.FxWait.replaySuite(model));
            return r;
        });
    }

    @AfterEach
    void stop() {
        vm.shutdown();
    }

    private static <T> T fx(Callable<T> onFx) throws Exception {
        return WaitForAsyncUtils.asyncFx(onFx).get(30, TimeUnit.SECONDS);
    }

    private static JsonNode cli(String policy, int questions, int replays) throws Exception {
        Path json = dir.resolve(policy + "-replay.json");
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Cli.standard().run(new String[] {"needle", "--model", model.toString(), "--suite", SUITE, "--policy",
                policy, "--budget", "16", "--questions", Integer.toString(questions), "--replays",
                Integer.toString(replays), "--out-json", json.toString(), "--quiet", "--device", "cpu"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        return new ObjectMapper().readTree(json.toFile());
    }

    /**
     * SnapKV (query-aware) beside KVzip (query-agnostic: its reconstruction pass scores each
     * replay's context once). The CLI reads the suite by id, whose shortest contexts a generated
     * model's tokens overflow: stories260K only.
     */
    @Test
    void sameAnswersAsTheCliForSnapKvAndKvzip() throws Exception {
        Assumptions.assumeTrue(SharedModels.find("stories260K.gguf").isPresent(),
                SharedModels.missingMessage("stories260K.gguf"));
        vm.policyB().select("kvzip");
        vm.policyB().set("budget", 16);
        fx(() -> {
            replay.questionsProperty().set(2);
            replay.replaysProperty().set(3);
            replay.run();
            return null;
        });
        WaitForAsyncUtils.waitFor(120, TimeUnit.SECONDS, () -> fx(() -> replay.result() != null
                || !replay.task().messageProperty().get().isEmpty() && !replay.task().runningProperty().get()));
        ReplayViewModel.Replays r = fx(replay::result);
        assertNotNull(r, fx(() -> replay.task().messageProperty().get()));
        assertEquals(2, r.questions());
        assertEquals(3, r.perTurn());
        assertEquals(List.of("snapkv", "kvzip"), r.policies().stream().map(ReplayViewModel.PolicyReplay::policy).toList());
        for (ReplayViewModel.PolicyReplay p : r.policies()) {
            JsonNode report = cli(p.policy(), 2, 3);
            MultiQuestionRun.Result result = p.result();
            for (Mode m : Mode.values()) {
                JsonNode byTurn = report.get("accuracyByTurn").get(m.id());
                double[] acc = result.accuracyByTurn(m);
                int[] correct = ReplayViewModel.correctByTurn(result, m);
                for (int t = 0; t < 2; t++) {
                    assertEquals(byTurn.get(t).asDouble(), acc[t], 0.0, p.name() + " " + m.id() + " turn " + t);
                    assertEquals(acc[t] * 3, correct[t], 1e-9);
                }
            }
            JsonNode turns = report.get("turns");
            assertEquals(turns.size(), result.turns().size());
            for (int i = 0; i < turns.size(); i++) {
                var t = result.turns().get(i);
                assertEquals(turns.get(i).get("template").asText(), t.template());
                for (Mode m : Mode.values()) {
                    assertEquals(turns.get(i).get(m.id()).get("answerLogProb").asDouble(),
                            t.answers().get(m).answerLogProb(), 0.0, p.name() + " " + m.id() + " turn " + i);
                }
            }
        }
        String csv = ReplayViewModel.csv(r);
        assertTrue(csv.startsWith("policy_label,policy,mode,turn,correct,n,accuracy\n"), csv);
        assertEquals(1 + 2 * 3 * 2, csv.lines().count(), "two policies × three modes × two turns");
    }

    @Test
    void cancelStopsTheRunAndKeepsTheLastFinishedResult() throws Exception {
        fx(() -> {
            replay.questionsProperty().set(2);
            replay.replaysProperty().set(1);
            replay.run();
            return null;
        });
        WaitForAsyncUtils.waitFor(120, TimeUnit.SECONDS, () -> fx(() -> replay.result() != null));
        ReplayViewModel.Replays first = fx(replay::result);
        fx(() -> {
            replay.replaysProperty().set(ReplayViewModel.MAX_REPLAYS);
            replay.run();
            return null;
        });
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> fx(() -> replay.task().progressProperty().get() > 0));
        fx(() -> {
            replay.cancel();
            return null;
        });
        assertFalse(fx(() -> replay.task().runningProperty().get()));
        assertTrue(fx(() -> replay.cancelledProperty().get()));
        Thread.sleep(500);
        assertSame(first, fx(replay::result), "the cancelled run never replaces the finished one");
        assertEquals("", fx(() -> replay.task().messageProperty().get()));
    }

    @Test
    void theReplayRunsOnTheDeviceRunUses() throws Exception {
        var gpu = org.kvscope.backend.Backends.gpu();
        Assumptions.assumeFalse(gpu.available(), "a GPU is present: the replay would run on it");
        fx(() -> {
            vm.deviceProperty().set("GPU");
            replay.questionsProperty().set(2);
            replay.replaysProperty().set(1);
            replay.run();
            return null;
        });
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> fx(() -> !replay.task().runningProperty().get()));
        assertEquals(null, fx(replay::result), "not run on the CPU behind the user's back");
        assertEquals("replay of 2 questions × 1 failed: no usable GPU: " + gpu.reason(),
                fx(() -> replay.task().messageProperty().get()));
    }
}
