package org.kvscope.app.ui.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.kvscope.viz.view.HeadValuesChart;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kvscope.app.ui.DeviceProbe;
import org.kvscope.app.ui.Workbench;
import org.kvscope.app.ui.session.RecentModels;
import org.kvscope.app.ui.vm.UiThreads;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.gguf.GGMLType;
import org.kvscope.model.Model;
import org.kvscope.model.ModelLoader;
import org.kvscope.model.ModelShape;
import org.kvscope.model.SyntheticModelWriter;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The head classification view: measured off the FX thread, one cell per layer and kv-head, the share re-classifies. */
@ExtendWith(ApplicationExtension.class)
class HeadClassificationPaneTest {
    private WorkbenchViewModel vm;
    private HeadClassificationPane pane;
    private Model model;

    @Start
    void start(Stage stage) throws Exception {
        Path dir = Files.createTempDirectory("kvscope-heads");
        Path file = dir.resolve("tiny.gguf");
        SyntheticModelWriter.write(ModelShape.TINY_LLAMA, GGMLType.F32, file, 5);
        model = ModelLoader.load(file);
        vm = new WorkbenchViewModel(new Workbench(), UiThreads.standard(Duration.ofMillis(150)),
                new RecentModels(dir.resolve("r.json")), DeviceProbe.cpuOnly());
        pane = new HeadClassificationPane(vm);
        stage.setScene(new Scene(pane, 600, 400));
        stage.show();
    }

    @AfterEach
    void stop() throws Exception {
        WaitForAsyncUtils.asyncFx(() -> vm.shutdown()).get(10, TimeUnit.SECONDS);
        model.close();
    }

    private long cells(String styleClass) throws Exception {
        return WaitForAsyncUtils.asyncFx(() -> pane.grid().getChildren().stream()
                .filter(n -> n instanceof Label && n.getStyleClass().contains(styleClass)).count()).get(10, TimeUnit.SECONDS);
    }

    @Test
    void classifiesEveryLayerAndKvHeadInTheBackground(FxRobot robot) throws Exception {
        WaitForAsyncUtils.asyncFx(() -> vm.modelProperty().set(model)).get(10, TimeUnit.SECONDS);
        robot.clickOn("#classify-heads");
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> cells("head-retrieval") + cells("head-streaming") == 4);
        assertEquals(2, cells("head-retrieval"), "half of 2 layers x 2 kv-heads");
        WaitForAsyncUtils.asyncFx(() -> pane.ratio().setValue(0.25)).get(10, TimeUnit.SECONDS);
        assertEquals(1, cells("head-retrieval"));
        assertTrue(pane.summary().startsWith("1 of 4 heads are retrieval heads"), pane.summary());
        String csv = WaitForAsyncUtils.asyncFx(() -> pane.csv().toCsv()).get(10, TimeUnit.SECONDS);
        assertEquals(5, csv.lines().count(), csv);
        assertEquals(1, csv.lines().filter(l -> l.endsWith(",retrieval")).count(), csv);
    }

    /** The ranked bars hold every kv-head's score; the cut-off line sits on the lowest retrieval head's score. */
    @Test
    void rankedScoresShowTheSharesCutOff(FxRobot robot) throws Exception {
        WaitForAsyncUtils.asyncFx(() -> vm.modelProperty().set(model)).get(10, TimeUnit.SECONDS);
        assertTrue(Double.isNaN(pane.ranked().referenceLine()), "no line before classifying");
        robot.clickOn("#classify-heads");
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> cells("head-retrieval") == 2);
        double[] sorted = WaitForAsyncUtils.asyncFx(() -> java.util.Arrays.stream(
                pane.ranked().dataProperty().get().values()).flatMapToDouble(java.util.Arrays::stream).sorted()
                .toArray()).get(10, TimeUnit.SECONDS);
        assertEquals(4, sorted.length, "2 layers x 2 kv-heads");
        assertEquals(sorted[2], pane.ranked().referenceLine(), 1e-6, "half the heads: the second highest score");
        assertEquals(HeadValuesChart.Order.DESCENDING, pane.ranked().orderProperty().get());
        WaitForAsyncUtils.asyncFx(() -> pane.ratio().setValue(0.25)).get(10, TimeUnit.SECONDS);
        assertEquals(sorted[3], pane.ranked().referenceLine(), 1e-6, "a quarter: the highest score");
        WaitForAsyncUtils.asyncFx(() -> pane.ratio().setValue(0)).get(10, TimeUnit.SECONDS);
        assertTrue(Double.isNaN(pane.ranked().referenceLine()), "no retrieval heads, no cut-off");
    }

    /** Blue and orange mean policy A and B in every view; a retrieval head is neither. */
    @Test
    void retrievalHeadsAreNotDrawnInAPolicysColour(FxRobot robot) throws Exception {
        WaitForAsyncUtils.asyncFx(() -> vm.modelProperty().set(model)).get(10, TimeUnit.SECONDS);
        robot.clickOn("#classify-heads");
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> cells("head-retrieval") == 2);
        java.util.List<javafx.scene.paint.Color> fills = WaitForAsyncUtils.asyncFx(() -> pane.grid().getChildren()
                .stream().filter(n -> n.getStyleClass().contains("head-retrieval"))
                .peek(javafx.scene.Node::applyCss).map(n -> ((Label) n).getBackground().getFills().getFirst().getFill())
                .map(javafx.scene.paint.Color.class::cast).toList()).get(10, TimeUnit.SECONDS);
        for (javafx.scene.paint.Color c : fills) {
            for (javafx.scene.paint.Color policy : new javafx.scene.paint.Color[] {org.kvscope.viz.VizStyle.POLICY_A,
                    org.kvscope.viz.VizStyle.POLICY_B}) {
                assertTrue(Math.abs(c.getHue() - policy.getHue()) > 25, c + " is close to a policy's hue " + policy);
            }
        }
    }
}
