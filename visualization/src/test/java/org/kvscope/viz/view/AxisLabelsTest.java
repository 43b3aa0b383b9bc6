package org.kvscope.viz.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import javafx.geometry.Bounds;
import javafx.scene.chart.Axis;
import javafx.scene.chart.XYChart;
import javafx.scene.control.Label;
import javafx.scene.layout.HBox;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kvscope.viz.Fx;
import org.kvscope.viz.data.KvMemoryGroups;
import org.kvscope.viz.data.KvMemoryUsage;
import org.kvscope.viz.data.LayerSeries;
import org.kvscope.viz.data.LayerSeriesSet;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

/**
 * Axis titles stay whole inside their axes when their font changes after the first layout (as the workbench's
 * stylesheet and presentation mode do): JavaFX's axes left the old box in place, e.g. a 25 px 'layer' title in a
 * 40 px axis, hanging 2 px below it.
 */
@ExtendWith(ApplicationExtension.class)
class AxisLabelsTest {
    private KvMemoryChart bars;
    private LayerMetricChart lines;

    @Start
    void start(Stage stage) {
        bars = new KvMemoryChart();
        lines = new LayerMetricChart("", LayerMetricChart.Style.LINE);
        HBox both = new HBox(bars, lines);
        Fx.show(stage, both, 840, 320);
    }

    @Test
    void titlesFollowTheirFontBothWays() {
        KvMemoryUsage usage = new KvMemoryUsage(new long[] {1000, 2000}, new long[] {4000, 4000});
        Fx.run(() -> {
            bars.setGroups(new KvMemoryGroups(List.of("A", "B"), List.of(usage, usage)));
            lines.setData(new LayerSeriesSet("recall", List.of(new LayerSeries("A", new double[] {0.5, 0.7}))));
        });
        for (String size : new String[] {"20px", "8px", "26px", "11px"}) {
            for (XYChart<?, ?> chart : List.of(bars.chart(), lines.chart())) {
                Fx.run(() -> {
                    title(chart.getXAxis()).setStyle("-fx-font-size: " + size);
                    title(chart.getYAxis()).setStyle("-fx-font-size: " + size);
                });
                assertWhole(chart.getXAxis(), size);
                assertWhole(chart.getYAxis(), size);
            }
        }
    }

    private static Label title(Axis<?> axis) {
        return (Label) axis.lookup(".axis-label");
    }

    private static void assertWhole(Axis<?> axis, String size) {
        String problem = Fx.call(() -> {
            axis.getScene().getRoot().applyCss();
            axis.getScene().getRoot().layout();
            Label title = title(axis);
            Bounds in = title.getBoundsInParent();
            Bounds room = axis.getLayoutBounds();
            double across = axis.getSide().isHorizontal() ? in.getHeight() : in.getWidth();
            if (in.getMinX() < room.getMinX() - 0.5 || in.getMaxX() > room.getMaxX() + 0.5
                    || in.getMinY() < room.getMinY() - 0.5 || in.getMaxY() > room.getMaxY() + 0.5) {
                return "title " + in + " outside its axis " + room;
            }
            if (Math.abs(across - Math.ceil(title.prefHeight(-1))) > 0.5) {
                return "title " + across + " px across, needs " + Math.ceil(title.prefHeight(-1));
            }
            return null;
        });
        assertEquals(null, problem, axis.getSide() + " axis '" + axis.getLabel() + "' at font " + size);
        assertTrue(axis.getWidth() > 0 && axis.getHeight() > 0);
    }
}
