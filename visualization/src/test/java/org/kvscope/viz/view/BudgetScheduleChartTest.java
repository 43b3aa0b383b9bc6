package org.kvscope.viz.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
}
