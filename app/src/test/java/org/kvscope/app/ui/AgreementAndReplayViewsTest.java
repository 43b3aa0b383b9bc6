package org.kvscope.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.kvscope.app.ui.FxWait.await;
import static org.kvscope.app.ui.FxWait.fx;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javafx.scene.control.Tab;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kvscope.app.ui.view.MainWindow;
import org.kvscope.app.ui.view.ReplayPane;
import org.kvscope.app.ui.vm.ReplayViewModel;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The Agreement and Replay tabs in the real window: filled after a run, consistent after a cancel. */
@ExtendWith(ApplicationExtension.class)
class AgreementAndReplayViewsTest {
    private static final String PROMPT = "the dog saw the cat and the cat saw the dog and they ran to the park to play "
            .repeat(3);
    private static Path dir;
    private static Path model;
    private WorkbenchViewModel vm;
    private MainWindow window;

    @BeforeAll
    static void fixtures() throws Exception {
        dir = Files.createTempDirectory("kvscope-agreement-replay");
        model = FxWait.generated(dir);
    }

    @Start
    void start(Stage stage) {
        vm = FxWait.workbench(dir);
        window = FxWait.show(stage, vm);
    }

    @AfterEach
    void stop() throws Exception {
        WaitForAsyncUtils.asyncFx(() -> vm.shutdown()).get(30, TimeUnit.SECONDS);
    }

    private void loadAndRun(FxRobot robot, Path file, String a, String b) throws Exception {
        robot.interact(() -> vm.openModel(file));
        await("model", () -> vm.model() != null);
        robot.interact(() -> {
            vm.policyA().select(a);
            vm.policyA().set("budget", 12);
            vm.policyB().select(b);
            vm.policyB().set("budget", 12);
            vm.promptProperty().set(PROMPT);
            vm.runPrompt();
        });
        await("capture", () -> vm.capture() != null);
    }

    private Tab tab(String title) throws Exception {
        return fx(() -> window.views().getTabs().stream().filter(t -> t.getText().equals(title)).findFirst()
                .orElseThrow());
    }

    /** With -Dkvscope.viewPngs=DIR, the window as a PNG (to look at the views). */
    private void png(String name) throws Exception {
        String out = System.getProperty("kvscope.viewPngs");
        if (out != null) {
            fx(() -> {
                window.applyCss();
                window.layout();
                org.kvscope.viz.export.ChartExport.png(window, Path.of(out, name + ".png"));
                return null;
            });
        }
    }

    @Test
    void agreementFillsWhenShownAndPerKvHeadOnDemand(FxRobot robot) throws Exception {
        loadAndRun(robot, model, "snapkv", "h2o");
        var pane = window.evaluationTabs().agreement();
        assertNull(fx(() -> pane.model().result()), "nothing is computed while the tab is hidden");
        robot.interact(() -> window.evaluationTabs().select("Agreement"));
        assertNull(fx(() -> pane.model().result()), "nor while the Evaluation page is hidden");
        Tab evaluation = tab("Evaluation");
        robot.interact(() -> window.views().getSelectionModel().select(evaluation));
        await("agreement", () -> pane.chart().dataProperty().get() != null);
        int layers = fx(() -> vm.model().config().layers());
        var set = fx(() -> pane.chart().dataProperty().get());
        assertEquals(2, set.series().size());
        assertEquals(layers, set.layerCount());
        assertTrue(set.series().get(0).name().startsWith("Spearman ρ (mean "), set.series().get(0).name());
        assertTrue(set.series().get(1).name().startsWith("top-32 overlap (mean ")
                || set.series().get(1).name().contains(" overlap (mean "), set.series().get(1).name());
        String summary = fx(pane::summary);
        assertTrue(summary.startsWith("A: snapkv vs B: h2o: mean Spearman ρ "), summary);
        png("agreement");
        javafx.scene.control.ScrollPane page = fx(() -> {
            javafx.scene.Node n = pane.getParent();
            while (!(n instanceof javafx.scene.control.ScrollPane)) {
                n = n.getParent();
            }
            return (javafx.scene.control.ScrollPane) n;
        });
        double pageHeight = fx(() -> page.getViewportBounds().getHeight());
        double paneHeight = fx(() -> pane.getHeight());
        assertTrue(Math.abs(pageHeight - paneHeight) < 2, "the agreement page fills its tab's height (no empty band "
                + "under the chart): pane " + paneHeight + " px of a " + pageHeight + " px viewport");
        robot.clickOn("#agreement-per-head");
        await("per kv-head", () -> pane.perHeadChart().dataProperty().get() != null);
        var heads = fx(() -> pane.perHeadChart().dataProperty().get());
        assertEquals(layers, heads.layers());
        assertEquals(fx(() -> vm.model().config().kvHeads()), heads.heads());
        robot.interact(() -> vm.policyB().select("streamingllm"));
        await("the problem", () -> pane.summary().startsWith("Policy B (streamingllm) gives positions no scores"));
        assertNull(fx(() -> pane.chart().dataProperty().get()), "no chart of the old pair next to the problem");
        assertNotNull(fx(() -> pane.model().problemProperty().get()));
    }

    @Test
    void replayFillsChartAndTableAndCancelLeavesTheLastRunShown(FxRobot robot) throws Exception {
        Path file = FxWait.storiesOrGenerated(dir);
        loadAndRun(robot, file, "snapkv", "streamingllm");
        robot.interact(() -> {
            window.views().getSelectionModel().select(tabUnchecked("Evaluation"));
            window.evaluationTabs().select("Replay");
        });
        ReplayPane pane = window.evaluationTabs().replay();
        robot.interact(() -> {
            pane.model().suiteProperty().set(FxWait.replaySuite(file));
            pane.model().questionsProperty().set(2);
            pane.model().replaysProperty().set(2);
        });
        robot.clickOn("#replay-run");
        await("replay", () -> pane.model().result() != null && !pane.chart().getData().isEmpty());
        assertEquals(5, fx(() -> pane.chart().getData().size()), "FullKV, then A and B query-agnostic and query-aware");
        assertEquals(List.of("FullKV", "A: snapkv query-agnostic", "A: snapkv query-aware",
                "B: streamingllm query-agnostic", "B: streamingllm query-aware"),
                fx(() -> pane.chart().getData().stream().map(s -> s.getName()).toList()));
        assertEquals(2, fx(() -> pane.chart().getData().get(1).getData().size()), "one point per turn");
        assertEquals(5, fx(() -> pane.table().getItems().size()));
        assertTrue(String.valueOf(fx(() -> pane.table().getColumns().get(1).getCellData(0))).endsWith(" / 2"), "n per point");
        assertTrue(fx(pane::status).startsWith("needle-stories-short, 2 questions × 2 replays (n = 2 answers per point)"),
                fx(pane::status));
        png("replay");
        var shown = fx(() -> pane.model().result());
        robot.interact(() -> pane.model().replaysProperty().set(ReplayViewModel.MAX_REPLAYS));
        robot.clickOn("#replay-run");
        await("progress", () -> pane.model().task().progressProperty().get() > 0);
        robot.clickOn("#replay-cancel");
        await("cancel", () -> !pane.model().task().runningProperty().get());
        assertTrue(fx(pane::status).startsWith("Replay cancelled.  Shown: the last finished run, needle-stories-short, 2"
                + " questions × 2 replays"), fx(pane::status));
        assertTrue(fx(() -> robot.lookup("#replay-cancel").queryButton().isDisabled()));
        assertTrue(fx(() -> !robot.lookup("#replay-run").queryButton().isDisabled()));
        assertTrue(fx(() -> !robot.lookup("#replay-progress").query().isVisible()));
        Thread.sleep(300);
        assertTrue(shown == fx(() -> pane.model().result()), "the cancelled run shows nothing of its own");
        assertEquals(2, fx(() -> pane.table().getColumns().size() - 1), "the table still has the shown run's turns");
    }

    private Tab tabUnchecked(String title) {
        return window.views().getTabs().stream().filter(t -> t.getText().equals(title)).findFirst().orElseThrow();
    }
}
