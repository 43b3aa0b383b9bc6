package org.kvscope.app.ui.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kvscope.app.cli.Cli;
import org.kvscope.metrics.ScoreAgreement;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The agreement of A and B in the workbench is what {@code score-agreement} reports for the same prompt, policies and k. */
@ExtendWith(ApplicationExtension.class)
class ScoreAgreementViewModelTest {
    private static final String PROMPT = "the dog saw the cat and the cat saw the dog and they ran to the park to play "
            .repeat(3);
    private static Path dir;
    private static Path model;
    private WorkbenchViewModel vm;
    private ScoreAgreementViewModel agreement;

    @BeforeAll
    static void fixtures() throws Exception {
        dir = Files.createTempDirectory("kvscope-agreement");
        model = Fixtures.tinyModel(dir);
    }

    @Start
    void start(Stage stage) {
        // the toolkit only
    }

    /** Loads the model and captures the prompt on this (test) thread, A = snapkv and B = h2o at budget 12. */
    @BeforeEach
    void run() throws Exception {
        vm = Fixtures.snapkvAndH2oCaptured(model, dir, PROMPT);
        agreement = fx(() -> new ScoreAgreementViewModel(vm));
    }

    @AfterEach
    void stop() {
        vm.shutdown();
    }

    private static <T> T fx(Callable<T> onFx) throws Exception {
        return Fixtures.fx(onFx);
    }

    private ScoreAgreement computeAndWait() throws Exception {
        fx(() -> {
            agreement.task().resultProperty().set(null);
            agreement.compute();
            return null;
        });
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> fx(() -> agreement.result() != null
                || !agreement.task().messageProperty().get().isEmpty() && !agreement.task().runningProperty().get()));
        return fx(() -> {
            assertNotNull(agreement.result(), agreement.task().messageProperty().get());
            return agreement.result().scores();
        });
    }

    private static String[] cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Cli.standard().run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        return new String[] {out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void sameNumbersAsTheCliForTheSamePromptPoliciesAndK() throws Exception {
        fx(() -> {
            agreement.kProperty().set(10);
            return null;
        });
        ScoreAgreement s = computeAndWait();
        assertEquals("A: snapkv", fx(() -> agreement.result().a()));
        assertEquals("B: h2o", fx(() -> agreement.result().b()));
        Path json = dir.resolve("agreement.json"), csv = dir.resolve("agreement.csv");
        cli("score-agreement", "--model", model.toString(), "--prompt", PROMPT, "--policies", "snapkv,h2o",
                "--budget", "12", "--top-k", "10", "--out-json", json.toString(), "--out-csv", csv.toString(),
                "--quiet", "--device", "cpu");
        JsonNode pair = new ObjectMapper().readTree(json.toFile()).get("pairs").get(0);
        assertEquals(pair.get("firstPosition").asInt(), s.first());
        assertEquals(pair.get("positions").asInt(), s.positions());
        assertEquals(10, s.topK());
        assertPerHeadAsCli(pair, s);
        assertEquals(Files.readString(csv), ScoreAgreementViewModel.csv(s), "the export is the CLI's CSV");
    }

    @Test
    void kFollowsTheSpinnerAndAPolicyWithoutScoresIsNamedWithTheOnesThatHaveThem() throws Exception {
        fx(() -> {
            agreement.kProperty().set(4);
            return null;
        });
        assertEquals(4, computeAndWait().topK());
        fx(() -> {
            vm.policyB().select("streamingllm");
            return null;
        });
        String problem = fx(() -> agreement.problemProperty().get());
        assertTrue(problem.contains("Policy B (streamingllm) gives positions no scores") && problem.contains("snapkv")
                && problem.contains("h2o"), problem);
        assertNull(fx(agreement::result), "no stale result next to the problem");
        assertFalse(fx(() -> agreement.task().runningProperty().get()));
    }

    @Test
    void hiddenViewsWaitUntilShown() throws Exception {
        computeAndWait();
        fx(() -> {
            agreement.activeProperty().set(false);
            agreement.kProperty().set(5);
            return null;
        });
        assertNull(fx(agreement::result), "a hidden view drops its outdated result and computes nothing");
        assertFalse(fx(() -> agreement.task().runningProperty().get()));
        fx(() -> {
            agreement.activeProperty().set(true);
            return null;
        });
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> fx(() -> agreement.result() != null));
        assertEquals(5, fx(() -> agreement.result().scores().topK()));
    }

    /** KVzip as B: its reconstruction pass runs in the background, and the numbers are the CLI's. */
    @Test
    void kvzipIsComparedAsTheCliComparesIt() throws Exception {
        vm.policyB().select("kvzip"); // on this thread, as the fixture's captures: B's analysis runs the reconstruction pass
        fx(() -> {
            agreement.kProperty().set(10);
            return null;
        });
        assertEquals("", fx(() -> agreement.problemProperty().get()));
        ScoreAgreement s = computeAndWait();
        assertEquals("B: kvzip", fx(() -> agreement.result().b()));
        Path json = dir.resolve("agreement-kvzip.json");
        cli("score-agreement", "--model", model.toString(), "--prompt", PROMPT, "--policies", "snapkv,kvzip",
                "--budget", "12", "--top-k", "10", "--out-json", json.toString(), "--quiet", "--device", "cpu");
        JsonNode pair = new ObjectMapper().readTree(json.toFile()).get("pairs").get(0);
        assertEquals(4, s.first(), "kvzip's sinks");
        assertEquals(pair.get("positions").asInt(), s.positions());
        assertPerHeadAsCli(pair, s);
    }

    /** Every layer's and kv-head's ρ and overlap are the CLI's report's, exactly. */
    private static void assertPerHeadAsCli(JsonNode pair, ScoreAgreement s) {
        assertEquals(pair.get("perLayer").size(), s.layers());
        for (int l = 0; l < s.layers(); l++) {
            JsonNode layer = pair.get("perLayer").get(l);
            for (int h = 0; h < s.spearman()[l].length; h++) {
                assertEquals(layer.get("spearmanPerKvHead").get(h).asDouble(), s.spearman()[l][h], 0.0, "ρ L" + l);
                assertEquals(layer.get("topKOverlapPerKvHead").get(h).asDouble(), s.topKOverlap()[l][h], 0.0, "L" + l);
            }
        }
    }
}
