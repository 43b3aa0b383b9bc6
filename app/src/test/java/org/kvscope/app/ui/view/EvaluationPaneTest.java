package org.kvscope.app.ui.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kvscope.app.ui.DeviceProbe;
import org.kvscope.app.ui.Workbench;
import org.kvscope.app.ui.session.RecentModels;
import org.kvscope.app.ui.vm.UiThreads;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.engine.CompressedPerplexity;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The perplexity and needles tab while hidden: re-run results only mark it stale; shown, it shows the newest. */
@ExtendWith(ApplicationExtension.class)
class EvaluationPaneTest {
    private WorkbenchViewModel vm;
    private EvaluationPane pane;
    private TabPane tabs;

    @Start
    void start(Stage stage) throws Exception {
        Path dir = Files.createTempDirectory("kvscope-evaluation");
        vm = new WorkbenchViewModel(new Workbench(), UiThreads.standard(Duration.ofMillis(150)),
                new RecentModels(dir.resolve("r.json")), DeviceProbe.cpuOnly());
        pane = new EvaluationPane(vm);
        tabs = new TabPane(new Tab("Other", new Label("other view")), new Tab("Perplexity & needles", pane));
        pane.activeProperty().bind(tabs.getTabs().get(1).selectedProperty());
        stage.setScene(new Scene(tabs, 900, 700));
        stage.show();
    }

    @AfterEach
    void stop() throws Exception {
        fx(() -> { vm.shutdown(); return null; });
    }

    private static <T> T fx(Callable<T> call) throws Exception {
        return WaitForAsyncUtils.asyncFx(call).get(10, TimeUnit.SECONDS);
    }

    /** The label as drawn (its accessor would bring the pane up to date first). */
    private String labelOnScreen(FxRobot robot) {
        return robot.lookup("#perplexity-text").queryAs(Label.class).getText();
    }

    @Test
    void hiddenResultsAreNotDrawnUntilTheTabIsShownThenTheNewestAre(FxRobot robot) throws Exception {
        String empty = labelOnScreen(robot);
        int updates = fx(pane::viewUpdates);
        robot.interact(() -> {
            vm.policyA().baselineProperty().set(new CompressedPerplexity.Result(Math.log(2) * 10, 10));
            vm.policyA().perplexityProperty().set(new CompressedPerplexity.Result(Math.log(3) * 10, 10));
            vm.policyA().select("h2o");
            vm.policyA().perplexityProperty().set(new CompressedPerplexity.Result(Math.log(2.5) * 10, 10));
        });
        assertEquals(updates, (int) fx(pane::viewUpdates), "nothing is drawn while the tab is hidden");
        assertEquals(empty, labelOnScreen(robot));

        robot.interact(() -> tabs.getSelectionModel().select(1));
        String shown = labelOnScreen(robot);
        assertEquals(updates + 1, (int) fx(pane::viewUpdates), "shown: brought up to date once");
        assertTrue(shown.startsWith("FullKV 2.000"), shown);
        assertTrue(shown.contains("A: h2o 2.500"), "the newest result under the policy now chosen: " + shown);
        assertEquals(1, fx(() -> pane.perplexityChart().dataProperty().get().entries().size()));

        robot.interact(() -> vm.policyA().perplexityProperty().set(new CompressedPerplexity.Result(Math.log(4) * 10, 10)));
        assertTrue(labelOnScreen(robot).contains("A: h2o 4.000"), "on screen, each result is drawn at once");
    }

    @Test
    void readingTheHiddenPaneBringsItUpToDate(FxRobot robot) throws Exception {
        robot.interact(() -> {
            vm.policyA().baselineProperty().set(new CompressedPerplexity.Result(Math.log(2) * 10, 10));
            vm.policyA().perplexityProperty().set(new CompressedPerplexity.Result(Math.log(3) * 10, 10));
        });
        String read = pane.perplexityText(); // from the test thread, as exports and tests read it
        assertTrue(read.contains("A: snapkv 3.000"), read);
        assertEquals(read, labelOnScreen(robot));
    }
}
