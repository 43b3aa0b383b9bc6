package org.kvscope.app.ui.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.app.ui.DeviceProbe;
import org.kvscope.app.ui.Workbench;
import org.kvscope.app.ui.session.RecentModels;
import org.kvscope.app.ui.session.SessionStore;
import org.kvscope.metrics.PolicyAnalysis;
import org.kvscope.model.Model;

class WorkbenchViewModelTest {
    private static final String PROMPT = "the quick brown fox jumps over the lazy dog and then the fox runs far away "
            + "into the green forest where the old owl sleeps in a tall tree";

    @TempDir Path dir;
    private WorkbenchViewModel vm;
    private final List<Problem> problems = new ArrayList<>();

    @BeforeEach
    void setUp() {
        vm = new WorkbenchViewModel(new Workbench(), UiThreads.direct(Duration.ofMillis(150)),
                new RecentModels(dir.resolve("recent.json")), DeviceProbe.cpuOnly());
        vm.problemProperty().addListener((o, a, b) -> {
            if (b != null) {
                problems.add(b);
            }
        });
        vm.policies().forEach(p -> p.setNeedlesEnabled(false));
    }

    @AfterEach
    void tearDown() {
        vm.shutdown();
    }

    private void loadAndRun() throws Exception {
        vm.openModel(Fixtures.tinyModel(dir));
        assertNotNull(vm.model(), () -> "load failed: " + problems);
        vm.promptProperty().set(PROMPT);
        vm.runPrompt();
        assertNotNull(vm.capture(), () -> "run failed: " + problems);
    }

    @Test
    void loadRunAndBudgetChangeUpdateInstantViews() throws Exception {
        loadAndRun();
        assertEquals(List.of(vm.model().info().path().toAbsolutePath().normalize()), vm.recent());
        assertEquals(vm.capture().promptTokens().length, vm.promptPiecesProperty().get().size());
        PolicyViewModel a = vm.policyA();
        a.set("budget", 24);
        PolicyAnalysis before = a.analysis();
        assertNotNull(before);
        a.set("budget", 12);
        PolicyAnalysis after = a.analysis();
        assertTrue(after.memory().keptTotal() < before.memory().keptTotal(),
                () -> "a smaller budget must keep fewer KV bytes: n=" + vm.capture().promptTokens().length + " " + before.memory().keptTotal() + " vs " + after.memory().keptTotal() + " err=" + a.errorProperty().get());
        assertTrue(after.kept().of(0, 0).length < before.kept().of(0, 0).length);
        assertTrue(after.meanRecall() <= before.meanRecall() + 1e-9);
        assertEquals(12, vm.policyA().layerBudgetsProperty().get()[0]);
        assertTrue(problems.isEmpty(), problems::toString);
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"cake, uniform", "snapkv, auto"})
    void theScheduleChartShowsWhatThePolicyKeepsPerLayer(String policy, String schedule) throws Exception {
        loadAndRun();
        PolicyViewModel a = vm.policyA();
        a.select(policy);
        a.set("window", 2);
        a.set("budget", 16);
        if (!schedule.equals("uniform")) {
            a.set("schedule", schedule);
        }
        int[] budgets = a.layerBudgetsProperty().get();
        int[] kept = new int[budgets.length];
        for (int l = 0; l < kept.length; l++) {
            kept[l] = a.analysis().kept().of(l, 0).length;
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(kept, budgets, () -> java.util.Arrays.toString(budgets));
        if (policy.equals("cake")) { // the generated model's layers need about the same for 'auto' (LayerBudgetsTest covers it)
            assertTrue(java.util.Arrays.stream(budgets).distinct().count() > 1,
                    () -> policy + " splits the budget unevenly on this prompt: " + java.util.Arrays.toString(budgets));
        }
        assertTrue(problems.isEmpty(), problems::toString);
    }

    @Test
    void rapidChangesRunOnlyTheLastDebouncedEvaluation() throws Exception {
        loadAndRun();
        PolicyViewModel a = vm.policyA();
        Fixtures.await("the first evaluation", () -> a.evaluationsFinishedProperty().get() == 1);
        for (int b = 24; b >= 12; b -= 4) {
            a.set("budget", b);
        }
        Fixtures.await("the debounced evaluation", () -> a.evaluationsFinishedProperty().get() == 2);
        Thread.sleep(300);
        assertEquals(2, a.evaluationsFinishedProperty().get(), "superseded changes must not be evaluated");
        assertNotNull(a.perplexityProperty().get());
        assertTrue(a.perplexityProperty().get().perplexity() > 1);
        assertTrue(a.baselineProperty().get().perplexity() > 1);
    }

    @Test
    void generationStreamsTokensWithTheirNll() throws Exception {
        loadAndRun();
        vm.generate(6);
        assertFalse(vm.generatingProperty().get());
        assertEquals(6, vm.generated().size());
        for (int i = 0; i < 6; i++) {
            var t = vm.generated().get(i);
            assertEquals(i, t.index());
            assertTrue(t.nll() >= 0 && Double.isFinite(t.nll()), "NLL " + t.nll());
        }
        assertTrue(vm.statusProperty().get().startsWith("Generated 6 tokens"), vm.statusProperty().get());
        vm.generate(vm.model().config().contextLength());
        assertEquals("Cannot generate", problems.get(0).title());
    }

    @Test
    void corruptModelFileReportsAProblemAndKeepsTheLoadedModel() throws Exception {
        loadAndRun();
        Model loaded = vm.model();
        Path bad = dir.resolve("bad.gguf");
        Files.writeString(bad, "this is not a model");
        vm.openModel(bad);
        assertEquals(1, problems.size());
        assertEquals("Not a usable GGUF file", problems.get(0).title());
        assertTrue(problems.get(0).message().contains("bad.gguf"));
        assertSame(loaded, vm.model());
        assertEquals(PROMPT, vm.promptProperty().get());
    }

    @Test
    void promptLongerThanTheContextIsRefusedWithTheLimits() throws Exception {
        loadAndRun();
        int context = vm.model().config().contextLength();
        vm.promptProperty().set("fox ".repeat(context * 2));
        vm.runPrompt();
        assertEquals(1, problems.size());
        assertEquals("Prompt cannot run", problems.get(0).title());
        assertTrue(problems.get(0).message().contains("context is " + context + " tokens"), problems.get(0).message());
    }

    @Test
    void invalidParameterCombinationShowsAnErrorWithoutLosingTheAnalysis() throws Exception {
        loadAndRun();
        PolicyViewModel a = vm.policyA();
        PolicyAnalysis ok = a.analysis();
        a.set("window", 1024);
        assertNotNull(a.errorProperty().get());
        assertTrue(a.errorProperty().get().contains("window"), a.errorProperty().get());
        assertSame(ok, a.analysis());
        a.set("window", 8);
        assertNull(a.errorProperty().get());
    }

    @Test
    void sessionSaveAndReopenRestoresPromptPoliciesAndResults() throws Exception {
        loadAndRun();
        vm.policyA().select("pyramidkv");
        vm.policyA().set("budget", 12);
        vm.policyA().set("beta", 4.0);
        vm.policyB().select("h2o");
        Path file = dir.resolve("s.kvscope.json");
        assertTrue(vm.saveSession(file));
        var saved = SessionStore.load(file);
        assertEquals(vm.policyA().analysis().meanRecall(), saved.policies().get(0).results().meanRecall(), 1e-12);

        vm.policyA().select("streamingllm");
        vm.promptProperty().set("something else entirely");
        assertTrue(vm.openSession(file).join());
        assertEquals(PROMPT, vm.promptProperty().get());
        assertEquals("pyramidkv", vm.policyA().policyName());
        assertEquals(12, vm.policyA().values().get("budget"));
        assertEquals(4.0, vm.policyA().values().get("beta"));
        assertEquals("h2o", vm.policyB().policyName());
        assertEquals(saved.policies().get(0).results().meanRecall(), vm.policyA().analysis().meanRecall(), 1e-12);
        assertFalse(vm.runningProperty().get());
    }

    @Test
    void sessionOpenedInAFreshWorkbenchLoadsItsModelAndRunsThePrompt() throws Exception {
        loadAndRun();
        vm.policyA().set("budget", 20);
        Path file = dir.resolve("fresh.kvscope.json");
        assertTrue(vm.saveSession(file));
        WorkbenchViewModel fresh = new WorkbenchViewModel(new Workbench(), UiThreads.direct(Duration.ofMillis(150)),
                new RecentModels(dir.resolve("recent2.json")), DeviceProbe.cpuOnly());
        try {
            fresh.policies().forEach(p -> p.setNeedlesEnabled(false));
            assertTrue(fresh.openSession(file).join());
            assertNotNull(fresh.model());
            assertNotNull(fresh.capture());
            assertEquals(20, fresh.policyA().values().get("budget"));
            assertEquals(vm.policyA().analysis().meanRecall(), fresh.policyA().analysis().meanRecall(), 1e-12);
        } finally {
            fresh.shutdown();
        }
    }

    @Test
    void brokenSessionFileIsReportedAndChangesNothing() throws Exception {
        loadAndRun();
        Path file = dir.resolve("broken.json");
        Files.writeString(file, "{\"version\": 1, \"policies\": [{\"policy\": \"nosuch\", \"values\": {}}]}");
        String policy = vm.policyA().policyName();
        assertFalse(vm.openSession(file).join());
        assertEquals("Cannot open session", problems.get(0).title());
        assertTrue(problems.get(0).message().contains("unknown policy 'nosuch'"), problems.get(0).message());
        assertEquals(policy, vm.policyA().policyName());
        assertEquals(PROMPT, vm.promptProperty().get());
    }

    @Test
    void eachPaneRemembersItsOwnValuesForEveryPolicy() {
        PolicyViewModel a = vm.policyA(), b = vm.policyB();
        a.select("h2o");
        a.set("budget", 100);
        b.select("h2o");
        b.set("budget", 30);
        a.select("snapkv");
        b.select("snapkv");
        a.select("h2o");
        b.select("h2o");
        assertEquals(100, a.values().get("budget"), "A's h2o budget");
        assertEquals(30, b.values().get("budget"), "B's h2o budget, kept apart from A's");
    }

    @Test
    void cancellingTheReRunKeepsTheLastResultsAndStartsNothing() throws Exception {
        loadAndRun();
        PolicyViewModel a = vm.policyA();
        Fixtures.await("the first re-run", () -> "up to date".equals(a.evaluationStatusProperty().get())
                && a.perplexityProperty().get() != null);
        var last = a.perplexityProperty().get();
        int finished = a.evaluationsFinishedProperty().get();
        a.set("budget", 12);
        assertEquals("re-run pending…", a.evaluationStatusProperty().get());
        a.stopEvaluation();
        assertEquals("re-run cancelled", a.evaluationStatusProperty().get());
        Thread.sleep(600); // past the 150 ms debounce
        assertSame(last, a.perplexityProperty().get(), "the cancelled re-run shows nothing of its own");
        assertEquals(finished, a.evaluationsFinishedProperty().get());
        assertEquals("re-run cancelled", a.evaluationStatusProperty().get());
    }

    @Test
    void aReRunCancelledWhileItsResultsWaitForTheFxThreadShowsNothingOfItsOwn() throws Exception {
        loadAndRun();
        QueuedExecutorService fx = new QueuedExecutorService();
        var evaluation = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        ModelReRuns reRuns = new ModelReRuns(new Workbench(), new UiThreads(fx, new DirectExecutorService(),
                new DirectExecutorService(), evaluation, Duration.ZERO, evaluation, Duration.ZERO));
        try {
            reRuns.setNeedlesEnabled(false);
            reRuns.schedule(new RunContext(vm.model(), vm.capture(), null), vm.policyA().policyName(),
                    java.util.Map.copyOf(vm.policyA().values()));
            evaluation.submit(() -> { }).get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(fx.pending() > 2, "the re-run computed; status and results wait for the FX thread");
            reRuns.stop();
            fx.runAll();
            assertNull(reRuns.perplexityProperty().get(), "the cancelled re-run's results are dropped");
            assertEquals(0, reRuns.finishedProperty().get());
            assertEquals("re-run cancelled", reRuns.statusProperty().get());
            assertEquals(0, reRuns.progressProperty().get(), 0.0);
        } finally {
            evaluation.shutdownNow();
        }
    }

    @Test
    void aPromptLongerThanTheLimitIsRefusedBeforeAnythingTokenisesIt() throws Exception {
        QueuedExecutorService worker = new QueuedExecutorService();
        WorkbenchViewModel queued = Fixtures.loadedWithQueuedWorker(worker, dir);
        List<Problem> seen = Fixtures.problems(queued);
        try {
            String huge = "ab ".repeat(WorkbenchViewModel.MAX_PROMPT_CHARS / 3 + 1);
            queued.promptProperty().set(huge);
            assertEquals(List.of(), queued.promptPiecesProperty().get(), "the token strip is not filled");
            assertEquals("Prompt not tokenised: the prompt has " + huge.length() + " characters; at most 200000 are "
                    + "allowed.", queued.statusProperty().get());
            queued.runPrompt();
            queued.generate(10);
            assertEquals(0, worker.pending(), "neither Run nor Generate started");
            assertFalse(queued.runningProperty().get() || queued.generatingProperty().get() || queued.task().isRunning());
            assertEquals(List.of("Prompt cannot run", "Cannot generate"), seen.stream().map(Problem::title).toList());
            assertTrue(seen.get(1).message().contains(huge.length() + " characters"), seen.get(1).message());
            queued.promptProperty().set(PROMPT);
            Fixtures.await("the strip", () -> !queued.promptPiecesProperty().get().isEmpty());
            assertEquals("", queued.statusProperty().get(), "the refusal is not left in the status bar");
        } finally {
            queued.shutdown();
        }
    }

    @Test
    void aModelLoadsOnTheWorkerThreadWithProgressAndCancel() throws Exception {
        QueuedExecutorService worker = new QueuedExecutorService();
        WorkbenchViewModel queued = Fixtures.withQueuedWorker(worker, dir);
        try {
            Path model = Fixtures.tinyModel(dir);
            queued.openModel(model);
            assertEquals(1, worker.pending(), "the file is read on the worker, not on the calling (FX) thread");
            assertNull(queued.model());
            assertTrue(queued.loadingProperty().get());
            assertTrue(queued.task().isRunning());
            assertEquals(TaskProgress.UNKNOWN, queued.task().progressProperty().get(), 0.0);
            queued.task().cancel();
            assertFalse(queued.loadingProperty().get());
            assertFalse(queued.task().isRunning(), "Cancel ends the load at once");
            worker.runAll();
            assertNull(queued.model(), "a cancelled load is never applied");
            assertEquals("Loading cancelled.", queued.statusProperty().get());
            assertEquals(List.of(), queued.recent(), "nor remembered");
            queued.openModel(model);
            worker.runAll();
            assertNotNull(queued.model());
            assertFalse(queued.task().isRunning());
            assertEquals(List.of(model.toAbsolutePath().normalize()), queued.recent());
        } finally {
            queued.shutdown();
        }
    }

    @Test
    void generateTokenisesThePromptOnTheWorkerThread() throws Exception {
        QueuedExecutorService worker = new QueuedExecutorService();
        WorkbenchViewModel queued = Fixtures.loadedWithQueuedWorker(worker, dir);
        List<Problem> seen = Fixtures.problems(queued);
        try {
            queued.promptProperty().set(PROMPT);
            queued.generate(100_000);
            assertEquals(1, worker.pending(), "nothing tokenised on the calling (FX) thread");
            assertTrue(queued.generatingProperty().get());
            assertTrue(seen.isEmpty(), seen::toString);
            worker.runAll();
            assertFalse(queued.generatingProperty().get());
            assertFalse(queued.task().isRunning());
            assertEquals(1, seen.size(), seen::toString);
            assertEquals("Cannot generate", seen.get(0).title());
            assertTrue(seen.get(0).message().contains("exceeds the model's context"), seen.get(0).message());
        } finally {
            queued.shutdown();
        }
    }
}
