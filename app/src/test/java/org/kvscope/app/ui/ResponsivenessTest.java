package org.kvscope.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import javafx.scene.control.Button;
import javafx.stage.Stage;
import org.controlsfx.control.StatusBar;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kvscope.app.ui.session.RecentModels;
import org.kvscope.app.ui.view.MainWindow;
import org.kvscope.app.ui.vm.UiThreads;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.prompts.SampleTexts;
import org.kvscope.viz.view.TokenStripView;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The window stays responsive on stories260K (a generated model where ../shared/models is absent): typing into a long prompt, a Run and a generation
 * show progress and can be cancelled. {@link org.kvscope.viz.tools.FxStallCheck} fails any of these scenarios in which
 * the FX thread was busy longer than its limit at a stretch.
 */
@ExtendWith(ApplicationExtension.class)
class ResponsivenessTest {
    @org.junit.jupiter.api.io.TempDir static Path dir;
    private WorkbenchViewModel vm;
    private MainWindow window;
    /** The re-runs' thread: a test can hold it busy so that a re-run stays pending. */
    private java.util.concurrent.ScheduledExecutorService evaluation;

    @Start
    void start(Stage stage) throws Exception {
        Path recent = Files.createTempDirectory("kvscope-recent").resolve("r.json");
        UiThreads threads = UiThreads.standard(Duration.ofMillis(150));
        evaluation = threads.evaluation();
        vm = new WorkbenchViewModel(new Workbench(), threads, new RecentModels(recent), DeviceProbe.cpuOnly());
        vm.policies().forEach(p -> p.setNeedlesEnabled(false));
        vm.setWarmUpEnabled(false);
        window = FxWait.show(stage, vm);
    }

    @AfterEach
    void stop() throws Exception {
        WaitForAsyncUtils.asyncFx(() -> vm.shutdown()).get(10, TimeUnit.SECONDS);
    }

    private static void await(BooleanSupplier onFx) throws TimeoutException {
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> WaitForAsyncUtils.asyncFx(onFx::getAsBoolean).get());
        WaitForAsyncUtils.waitForFxEvents();
    }

    /** stories260K from ../shared/models, or else a generated model (a fresh clone has no shared models). */
    private void load(FxRobot robot) throws Exception {
        Path model = FxWait.storiesOrGenerated(dir);
        robot.interact(() -> vm.openModel(model));
        await(() -> vm.model() != null && !vm.loadingProperty().get());
    }

    /** {@code tokens}, or fewer where the loaded model's context leaves Run less room. */
    private int fitting(int tokens) {
        return Math.min(tokens, vm.model().config().contextLength() - Workbench.DECODE_STEPS - 2);
    }

    /** About {@code tokens} tokens of sample stories. */
    private String story(int tokens) {
        StringBuilder sb = new StringBuilder();
        for (String t : SampleTexts.all()) {
            sb.append(SampleTexts.read(t)).append(' ');
            if (vm.model().tokenizer().encodeWithSpecials(sb.toString()).length >= tokens) {
                break;
            }
        }
        int[] ids = vm.model().tokenizer().encodeWithSpecials(sb.toString());
        assertTrue(ids.length >= tokens, "sample texts too short: " + ids.length);
        return vm.model().tokenizer().decode(java.util.Arrays.copyOfRange(ids, 1, tokens));
    }

    @Test
    void typingIntoALongPromptIsDebouncedAndTheStripStaysVirtualised(FxRobot robot) throws Exception {
        load(robot);
        String text = story(1300);
        robot.interact(() -> vm.promptProperty().set(text));
        await(() -> vm.promptPiecesProperty().get().size() > 1000);
        AtomicInteger updates = new AtomicInteger();
        robot.interact(() -> vm.promptPiecesProperty().addListener((o, a, b) -> updates.incrementAndGet()));
        robot.clickOn("#prompt-editor");
        robot.interact(() -> robot.lookup("#prompt-editor").queryTextInputControl().end());
        String typed = " and then the little dog ran home";
        robot.write(typed);
        String expected = text + typed;
        await(() -> vm.promptProperty().get().equals(expected) && vm.promptPiecesProperty().get().size()
                == vm.model().tokenizer().encodeWithSpecials(expected).length);
        assertTrue(updates.get() < typed.length(), "tokenised after pauses, not per keystroke: " + updates.get()
                + " updates for " + typed.length() + " keystrokes");
        TokenStripView strip = robot.lookup("#prompt-tokens").queryAs(TokenStripView.class);
        int size = WaitForAsyncUtils.asyncFx(strip::size).get();
        int live = WaitForAsyncUtils.asyncFx(strip::liveChips).get();
        assertEquals(vm.promptPiecesProperty().get().size(), size);
        assertTrue(live < size / 4, "only the rows in view have chips: " + live + " of " + size);
    }

    @Test
    void runShowsProgressAndCancelDropsTheCapture(FxRobot robot) throws Exception {
        load(robot);
        String text = story(fitting(480));
        robot.interact(() -> vm.promptProperty().set(text));
        Button cancel = robot.lookup("#status-cancel").queryButton();
        StatusBar bar = robot.lookup("#status").queryAs(StatusBar.class);
        boolean[] shown = new boolean[2];
        robot.interact(() -> {
            vm.runPrompt();
            shown[0] = cancel.isVisible() && vm.task().isRunning() && bar.getProgress() != 0;
            cancel.fire();
            shown[1] = vm.runningProperty().get();
        });
        assertTrue(shown[0], "Run shows a progress bar and Cancel while it runs");
        assertFalse(shown[1], "Cancel ends the Run at once");
        assertEquals("Run cancelled.", vm.statusProperty().get());
        Thread.sleep(3000);
        WaitForAsyncUtils.waitForFxEvents();
        assertNull(vm.capture(), "a cancelled capture is never applied");
        assertFalse(cancel.isVisible());
        robot.clickOn("#run-prompt");
        await(() -> vm.capture() != null && vm.policyA().analysis() != null);
        assertEquals(0, bar.getProgress(), 0.0);
    }

    @Test
    void generateShowsProgressAndCancelStopsIt(FxRobot robot) throws Exception {
        load(robot);
        // On an idle machine stories260K generates 400 tokens in well under a second, faster than a
        // robot click: the status bar's Cancel button is fired from the FX thread at the third token.
        String prompt = "Once upon a time, there was a little girl named Lily.";
        int steps = Math.min(400, vm.model().config().contextLength()
                - vm.model().tokenizer().encodeWithSpecials(prompt).length - 1);
        var progressAtCancel = new java.util.concurrent.atomic.AtomicReference<Double>();
        robot.interact(() -> {
            Button cancel = (Button) window.lookup("#status-cancel");
            vm.generated().addListener((javafx.collections.ListChangeListener<Object>) c -> {
                if (progressAtCancel.get() == null && vm.generated().size() >= 3) {
                    progressAtCancel.set(vm.task().progressProperty().get());
                    cancel.fire();
                }
            });
            vm.promptProperty().set(prompt);
            vm.generate(steps);
        });
        await(() -> progressAtCancel.get() != null);
        double progress = progressAtCancel.get();
        assertTrue(progress > 0 && progress < 1, "progress between 0 and 1, was " + progress);
        await(() -> !vm.generatingProperty().get());
        assertTrue(vm.generated().size() < steps, "stopped early: " + vm.generated().size() + " of " + steps);
        assertFalse(vm.task().isRunning());
    }

    @Test
    void aReRunShowsProgressAndItsCancelButtonStopsIt(FxRobot robot) throws Exception {
        load(robot);
        String text = story(fitting(200));
        robot.interact(() -> vm.promptProperty().set(text));
        robot.interact(vm::runPrompt);
        await(() -> vm.capture() != null && "up to date".equals(vm.policyA().evaluationStatusProperty().get()));
        var last = vm.policyA().perplexityProperty().get();
        Button cancel = robot.lookup("#cancel-rerun-A").queryButton();
        javafx.scene.control.ProgressBar progress = robot.lookup(".progress-bar").queryAll().stream()
                .filter(n -> n instanceof javafx.scene.control.ProgressBar b && b.getParent() == cancel.getParent())
                .map(javafx.scene.control.ProgressBar.class::cast).findFirst().orElseThrow();
        assertEquals(1, progress.getProgress(), 0.0, "the finished re-run's bar is full");
        assertTrue(cancel.isDisabled(), "nothing to cancel while up to date");
        java.util.concurrent.CountDownLatch hold = new java.util.concurrent.CountDownLatch(1);
        evaluation.execute(() -> {
            try {
                hold.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            robot.interact(() -> vm.policyA().set("budget", 12));
            assertEquals("re-run pending…", WaitForAsyncUtils.asyncFx(() -> vm.policyA().evaluationStatusProperty().get()).get());
            assertFalse(cancel.isDisabled());
            robot.interact(() -> {
                FxWait.selectTab(window, "side-policy-a");
                FxWait.scrollIntoView(cancel); // it can sit below the fold of the scrolling policy panel
            });
            robot.clickOn(cancel);
            assertEquals("re-run cancelled", WaitForAsyncUtils.asyncFx(() -> vm.policyA().evaluationStatusProperty().get()).get());
            assertTrue(cancel.isDisabled());
            assertEquals(0, progress.getProgress(), 0.0);
        } finally {
            hold.countDown();
        }
        evaluation.submit(() -> { }).get(30, TimeUnit.SECONDS);
        WaitForAsyncUtils.waitForFxEvents();
        assertSame(last, vm.policyA().perplexityProperty().get(), "the cancelled re-run never ran");
        assertEquals("re-run cancelled", WaitForAsyncUtils.asyncFx(() -> vm.policyA().evaluationStatusProperty().get()).get());
    }
}
