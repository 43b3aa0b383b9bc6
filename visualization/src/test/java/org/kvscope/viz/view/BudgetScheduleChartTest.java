package org.kvscope.viz.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import javafx.scene.Node;
import javafx.scene.chart.XYChart;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kvscope.viz.Fx;
import org.kvscope.viz.data.BudgetSchedule;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

@ExtendWith(ApplicationExtension.class)
class BudgetScheduleChartTest {
    private BudgetScheduleChart chart;

    @Start
    void start(Stage stage) {
        chart = new BudgetScheduleChart();
        Fx.show(stage, chart, 420, 320);
    }

    private double barHeight(int layer) {
        return Fx.call(() -> chart.chart().getData().getFirst().getData().get(layer).getNode().getBoundsInParent()
                .getHeight());
    }

    @Test
    void sameShapeUpdateAnimatesExistingBars() throws Exception {
        Fx.run(() -> chart.setSchedule(new BudgetSchedule(new int[] {400, 400, 400}, "flat")));
        XYChart.Data<String, Number> first = chart.chart().getData().getFirst().getData().getFirst();
        Node bar = first.getNode();
        double flat = barHeight(0);
        double[] startHeight = new double[1];
        Fx.run(() -> {
            chart.setSchedule(new BudgetSchedule(new int[] {600, 400, 200}, "pyramid β=3"));
            startHeight[0] = bar.getBoundsInParent().getHeight();
        });
        assertEquals(flat, startHeight[0], 1.0, "the bar starts from its old height");
        assertSame(first, chart.chart().getData().getFirst().getData().getFirst(), "data points are reused");
        assertSame(bar, first.getNode(), "bar nodes are reused");
        WaitForAsyncUtils.waitFor(5, TimeUnit.SECONDS,
                () -> Math.abs(barHeight(0) / barHeight(2) - 3.0) < 0.05);
        assertEquals(600, first.getYValue().intValue());
        assertEquals("pyramid β=3", Fx.call(() -> ((javafx.scene.control.Label) chart.getBottom()).getText()));
    }

    @Test
    void differentLayerCountRebuildsWithoutAnimation() {
        Fx.run(() -> chart.setSchedule(new BudgetSchedule(new int[] {100, 200}, "a")));
        Fx.run(() -> chart.setSchedule(new BudgetSchedule(new int[] {300, 200, 100, 50}, "b")));
        assertEquals(4, chart.chart().getData().getFirst().getData().size());
        assertTrue(barHeight(0) > 5 * barHeight(3) * 0.9, "300 vs 50 tokens");
    }

    @Test
    void theTokenAxisEndsAtARoundValueAndStaysWhileTheLargestBudgetMovesBelowIt() {
        assertEquals(List.of(5.0, 1.0), List.of(BudgetScheduleChart.axisTop(0)[0], BudgetScheduleChart.axisTop(0)[1]));
        for (int max : new int[] {1, 7, 10, 11, 64, 99, 100, 101, 250, 512, 2048, 100_000}) {
            double[] t = BudgetScheduleChart.axisTop(max);
            assertTrue(t[0] >= max && t[0] <= 1.5 * Math.max(5, max), max + " -> " + t[0]);
            double steps = t[0] / t[1];
            assertTrue(Math.abs(steps - Math.rint(steps)) < 1e-9 && steps >= 3 && steps <= 5, max + ": " + steps + " steps");
            double mantissa = t[1] / Math.pow(10, Math.floor(Math.log10(t[1])));
            assertTrue(List.of(1.0, 2.0, 5.0).stream().anyMatch(m -> Math.abs(m - mantissa) < 1e-9), "unit " + t[1]);
        }
        Fx.run(() -> chart.setSchedule(new BudgetSchedule(new int[] {70, 64, 50}, "a")));
        var axis = (javafx.scene.chart.NumberAxis) chart.chart().getYAxis();
        assertEquals(80, axis.getUpperBound(), 0.0);
        Fx.run(() -> chart.setSchedule(new BudgetSchedule(new int[] {75, 64, 50}, "a")));
        assertEquals(80, axis.getUpperBound(), 0.0, "a move below the top keeps the axis");
        Fx.run(() -> chart.setSchedule(new BudgetSchedule(new int[] {90, 64, 50}, "a")));
        assertEquals(100, axis.getUpperBound(), 0.0);
        assertTrue(barHeight(0) > 1.3 * barHeight(2), "90 vs 50 tokens on the new axis");
    }
}
