package org.kvscope.app.ui;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import javafx.scene.Node;
import javafx.scene.control.DialogPane;
import javafx.stage.Stage;
import javafx.stage.Window;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.app.ui.session.RecentModels;
import org.kvscope.app.ui.view.MainWindow;
import org.kvscope.app.ui.view.NumberControl;
import org.kvscope.app.ui.vm.UiThreads;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The real window on stories260K (a generated model where ../shared/models is absent): run a prompt, move the budget
 * slider, bad files, session round trip.
 */
@ExtendWith(ApplicationExtension.class)
class WorkbenchWindowTest {
    /** Fits a generated model's 256 positions with its byte-level tokens, and Generate's steps after it. */
    private static final String PROMPT = "Once upon a time, there was a little girl named Lily. She had a red ball. "
            + "She liked to play with her ball in the park with her dog Max. One day, Lily and Max went out.";
    private static Path recentDir;

    private WorkbenchViewModel vm;
    private MainWindow window;
    @TempDir Path dir;

    @BeforeAll
    static void recentStore() throws Exception {
        recentDir = Files.createTempDirectory("kvscope-recent");
    }

    @Start
    void start(Stage stage) {
        vm = new WorkbenchViewModel(new Workbench(), UiThreads.standard(Duration.ofMillis(150)), new RecentModels(recentDir.resolve("r.json")),
                DeviceProbe.cpuOnly());
        vm.policies().forEach(p -> p.setNeedlesEnabled(false));
        window = FxWait.show(stage, vm);
    }

    @AfterEach
    void stop() throws Exception {
        WaitForAsyncUtils.asyncFx(() -> vm.shutdown()).get(10, TimeUnit.SECONDS);
    }


    private static void await(String what, BooleanSupplier onFx) throws TimeoutException {
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> WaitForAsyncUtils.asyncFx(onFx::getAsBoolean).get());
        WaitForAsyncUtils.waitForFxEvents();
    }

    private void loadAndRun(FxRobot robot) throws Exception {
        Path model = FxWait.storiesOrGenerated(dir);
        robot.interact(() -> vm.openModel(model));
        await("model", () -> vm.model() != null);
        robot.clickOn("#prompt-editor").write("Once");
        robot.interact(() -> vm.promptProperty().set(PROMPT));
        robot.press(javafx.scene.input.KeyCode.CONTROL, javafx.scene.input.KeyCode.ENTER)
                .release(javafx.scene.input.KeyCode.ENTER, javafx.scene.input.KeyCode.CONTROL); // Run
        await("analysis", () -> vm.capture() != null && vm.policyA().analysis() != null
                && vm.policyB().analysis() != null);
    }

    private NumberControl budgetControl(FxRobot robot) {
        return robot.lookup("#param-A-budget").queryAs(NumberControl.class);
    }

    @Test
    void movingTheBudgetSliderUpdatesOverlayRecallMemoryAndRerunsPerplexity(FxRobot robot) throws Exception {
        loadAndRun(robot);
        await("first perplexity", () -> vm.policyA().perplexityProperty().get() != null);
        int overlayBefore = window.attention().heatmap().keptMaskProperty().get().keptCount();
        String totalsBefore = window.metrics().totals();
        long memoryBefore = window.metrics().memoryChart().groupsProperty().get().usages().get(0).totalKept();
        double recallBefore = window.metrics().recallChart().dataProperty().get().series().get(0).values()[0];
        String pplBefore = window.evaluation().perplexityText();
        int runsBefore = vm.policyA().evaluationsStartedProperty().get();
        var analysisBefore = vm.policyA().analysis();

        robot.interact(() -> {
            NumberControl c = budgetControl(robot);
            c.slider().setValue(c.scale().position(16));
        });
        await("new analysis", () -> vm.policyA().analysis() != analysisBefore);

        assertEquals(16, vm.policyA().values().get("budget"));
        int overlayAfter = window.attention().heatmap().keptMaskProperty().get().keptCount();
        assertTrue(overlayAfter < overlayBefore, "fewer kept key columns in the overlay: " + overlayBefore + " -> "
                + overlayAfter);
        assertNotEquals(totalsBefore, window.metrics().totals());
        assertTrue(window.metrics().memoryChart().groupsProperty().get().usages().get(0).totalKept() < memoryBefore, "less KV kept");
        double recallAfter = window.metrics().recallChart().dataProperty().get().series().get(0).values()[0];
        assertTrue(recallAfter < recallBefore, "recall drops with the budget: " + recallBefore + " -> " + recallAfter);
        assertTrue(window.attention().summary().contains("keeps 16 of"), window.attention().summary());

        await("perplexity re-run", () -> vm.policyA().evaluationsStartedProperty().get() > runsBefore
                && vm.policyA().evaluationsFinishedProperty().get() >= runsBefore + 1
                && !window.evaluation().perplexityText().equals(pplBefore));
        assertTrue(window.evaluation().perplexityText().contains("A: snapkv"), window.evaluation().perplexityText());
    }

    /** A corrupt model file opens a dialog and keeps the work; then a session round trip restores it. */
    @Test
    void corruptFileDialogThenSessionSavedAndReopenedRestoresTheWorkbench(FxRobot robot) throws Exception {
        loadAndRun(robot);
        var loaded = vm.model();
        Path bad = dir.resolve("broken.gguf");
        Files.write(bad, new byte[] {'G', 'G', 'U', 'F', 3, 0, 0, 0, 1, 2});
        robot.interact(() -> vm.openModel(bad));
        await("dialog", () -> Window.getWindows().stream().anyMatch(w -> w.getScene() != null
                && w.getScene().getRoot() instanceof DialogPane));
        DialogPane dialog = (DialogPane) Window.getWindows().stream()
                .filter(w -> w.getScene() != null && w.getScene().getRoot() instanceof DialogPane)
                .findFirst().orElseThrow().getScene().getRoot();
        assertEquals("Not a usable GGUF file", dialog.getHeaderText());
        assertTrue(dialog.getContentText().contains("broken.gguf"), dialog.getContentText());
        robot.interact(() -> ((Stage) dialog.getScene().getWindow()).close());
        assertSame(loaded, vm.model());
        assertEquals(PROMPT, vm.promptProperty().get());
        assertNotNull(vm.policyA().analysis());
        robot.interact(() -> {
            vm.policyA().select("pyramidkv");
            vm.policyA().set("budget", 24);
            vm.policyA().set("beta", 5.0);
        });
        await("pyramid analysis", () -> vm.policyA().analysis() != null
                && vm.policyA().analysis().policy().equals("pyramidkv"));
        int[] schedule = vm.policyA().layerBudgetsProperty().get();
        double recall = vm.policyA().analysis().meanRecall();
        Path file = dir.resolve("session.kvscope.json");
        assertTrue(WaitForAsyncUtils.asyncFx(() -> vm.saveSession(file)).get());

        robot.interact(() -> {
            vm.policyA().select("h2o");
            vm.promptProperty().set("A different prompt about a cat.");
        });
        assertTrue(WaitForAsyncUtils.asyncFx(() -> vm.openSession(file)).get().get(60, java.util.concurrent.TimeUnit.SECONDS));
        await("reopened analysis", () -> vm.policyA().analysis() != null
                && vm.policyA().analysis().policy().equals("pyramidkv") && !vm.runningProperty().get()
                && vm.capture() != null && vm.capture().promptTokens().length > 20);
        assertEquals(PROMPT, vm.promptProperty().get());
        assertEquals(24, vm.policyA().values().get("budget"));
        assertArrayEquals(schedule, vm.policyA().layerBudgetsProperty().get());
        assertEquals(recall, vm.policyA().analysis().meanRecall(), 1e-9);
        assertEquals(24, budgetControl(robot).number());
        assertFalse(window.metrics().totals().isEmpty());
        Node picker = robot.lookup("#policy-picker-A").query();
        assertNotNull(picker);
    }
}
