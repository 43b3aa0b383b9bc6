package org.kvscope.viz.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import javafx.scene.chart.XYChart;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kvscope.viz.Fx;
import org.kvscope.viz.data.KvMemoryUsage;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

@ExtendWith(ApplicationExtension.class)
class KvMemoryChartTest {
    private KvMemoryChart chart;

    @Start
    void start(Stage stage) {
        chart = new KvMemoryChart();
        Fx.show(stage, chart, 420, 320);
    }

    @Test
    void axisPicksUnitAndTotalsAreLabelled() {
        long mib = 1L << 20;
        Fx.run(() -> chart.setData(new KvMemoryUsage(new long[] {mib, mib / 2}, new long[] {4 * mib, 4 * mib})));
        assertEquals(ByteFormat.MiB, chart.unit());
        assertEquals("bytes (MiB)", chart.yAxis().getLabel());
        assertEquals("2.5 MiB", chart.yAxis().getTickLabelFormatter().toString(2.5));
        assertEquals("kept 1.5 MiB of 8 MiB (18.8%)", chart.totalTextProperty().get());
        XYChart.Series<String, Number> full = chart.chart().getData().get(0);
        XYChart.Series<String, Number> kept = chart.chart().getData().get(1);
        assertEquals("full cache", full.getName());
        // laid out here, not left to a pulse that a loaded machine may not have run yet
        double fullH = Fx.call(() -> laidOut(full.getData().get(0).getNode()).getBoundsInParent().getHeight());
        double keptH = Fx.call(() -> laidOut(kept.getData().get(0).getNode()).getBoundsInParent().getHeight());
        assertEquals(0.25, keptH / fullH, 0.03);

        Fx.run(() -> chart.setData(new KvMemoryUsage(new long[] {3000}, new long[] {9000})));
        assertEquals(ByteFormat.KiB, chart.unit());
        assertTrue(chart.totalTextProperty().get().startsWith("kept 2.93 KiB of 8.79 KiB"));
    }

    private javafx.scene.Node laidOut(javafx.scene.Node bar) {
        chart.applyCss();
        chart.layout();
        return bar;
    }
}
