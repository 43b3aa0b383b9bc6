package org.kvscope.viz.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import javafx.scene.chart.XYChart;
import javafx.scene.image.WritableImage;
import javafx.scene.layout.StackPane;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kvscope.viz.Fx;
import org.kvscope.viz.data.BudgetCurve;
import org.kvscope.viz.data.BudgetCurveSet;
import org.kvscope.viz.data.LayerSeries;
import org.kvscope.viz.data.PerplexityDelta;
import org.kvscope.viz.data.PerplexityDeltas;
import org.kvscope.viz.demo.SampleData;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

@ExtendWith(ApplicationExtension.class)
class ChartsTest {
    private StackPane host;

    @Start
    void start(Stage stage) {
        host = new StackPane();
        Fx.show(stage, host, 420, 320);
    }

    private static int differingPixels(WritableImage a, WritableImage b) {
        int n = 0;
        for (int y = 0; y < Math.min(a.getHeight(), b.getHeight()); y++) {
            for (int x = 0; x < Math.min(a.getWidth(), b.getWidth()); x++) {
                if (Fx.argb(a, x, y) != Fx.argb(b, x, y)) {
                    n++;
                }
            }
        }
        return n;
    }

    @Test
    void layerMetricLinesSkipMissingLayersAndDraw() {
        LayerMetricChart chart = Fx.call(() -> new LayerMetricChart("overlap", LayerMetricChart.Style.LINE));
        Fx.run(() -> host.getChildren().setAll(chart));
        WritableImage empty = Fx.snapshot(chart);
        Fx.run(() -> chart.setData("overlap", List.of(new LayerSeries("a", new double[] {0.1, Double.NaN, 0.9}),
                new LayerSeries("b", new double[] {0.5, 0.6, 0.7}))));
        XYChart<?, Number> xy = chart.chart();
        assertEquals(2, xy.getData().size());
        assertEquals(2, xy.getData().get(0).getData().size(), "NaN layer is skipped");
        assertEquals("overlap", chart.yAxis().getLabel());
        assertTrue(differingPixels(empty, Fx.snapshot(chart)) > 500, "lines appear");
    }

    @Test
    void layerMetricBarsUseLayerCategoriesAndFixedRange() {
        LayerMetricChart chart = Fx.call(() -> new LayerMetricChart("recall", LayerMetricChart.Style.BAR));
        Fx.run(() -> {
            host.getChildren().setAll(chart);
            chart.setData("recall", List.of(new LayerSeries("SnapKV", new double[] {0.2, 0.4, 0.8})));
            chart.setYRange(0, 1);
        });
        @SuppressWarnings("unchecked")
        XYChart.Series<String, Number> s = (XYChart.Series<String, Number>) chart.chart().getData().getFirst();
        assertEquals(List.of("L0", "L1", "L2"), s.getData().stream().map(XYChart.Data::getXValue).toList());
        assertEquals(1.0, chart.yAxis().getUpperBound());
        double h0 = Fx.call(() -> s.getData().get(0).getNode().getBoundsInParent().getHeight());
        double h2 = Fx.call(() -> s.getData().get(2).getNode().getBoundsInParent().getHeight());
        assertEquals(4.0, h2 / h0, 0.15, "bar heights are proportional to the values");
        assertThrows(IllegalArgumentException.class, () -> chart.setYRange(1, 1));
    }

    @Test
    void funnellingChooserSwitchesMetric() {
        FunnellingChart chart = Fx.call(FunnellingChart::new);
        Fx.run(() -> {
            host.getChildren().setAll(chart);
            chart.setSeries(FunnelMetric.ENTROPY, List.of(SampleData.funnel("FullKV", 6, 5, 1, 1),
                    SampleData.funnel("SnapKV", 6, 4, 2, 2)));
            chart.setSeries(FunnelMetric.SINK_MASS, List.of(SampleData.funnel("FullKV", 6, 0.1, 0.7, 3)));
        });
        assertEquals(2, Fx.call(() -> chart.chart().chart().getData().size()));
        WritableImage entropy = Fx.snapshot(chart);
        Fx.run(() -> chart.metricProperty().set(FunnelMetric.SINK_MASS));
        assertEquals("sink mass", Fx.call(() -> chart.shownData().metric()));
        assertEquals(1, Fx.call(() -> chart.chart().chart().getData().size()));
        assertTrue(differingPixels(entropy, Fx.snapshot(chart)) > 300);
        Fx.run(() -> chart.metricProperty().set(FunnelMetric.POSITIONS_FOR_90_MASS));
        assertEquals(0, Fx.call(() -> chart.chart().chart().getData().size()), "no data for this metric yet");
    }

    @Test
    void budgetCurvesUseLog2AxisWithBudgetLabels() {
        BudgetCurveChart chart = Fx.call(() -> new BudgetCurveChart("recall"));
        Fx.run(() -> {
            host.getChildren().setAll(chart);
            chart.setData(SampleData.recallCurves());
        });
        XYChart.Series<Number, Number> first = chart.chart().getData().getFirst();
        assertEquals(6.0, first.getData().getFirst().getXValue().doubleValue(), 1e-9, "64 tokens = 2^6");
        assertEquals(6.0, Fx.call(() -> ((javafx.scene.chart.NumberAxis) chart.chart().getXAxis()).getLowerBound()));
        assertEquals("512", ((javafx.scene.chart.NumberAxis) chart.chart().getXAxis()).getTickLabelFormatter().toString(9));
        assertEquals(4, chart.chart().getData().size());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Fx.run(() -> chart.setData(
                new BudgetCurveSet("r", List.of(new BudgetCurve("x", new double[] {0}, new double[] {1}))))));
        assertEquals("budget 0.0 of 'x' cannot go on a log axis; budgets must be > 0", e.getMessage());
    }

    @Test
    void perplexityDeltaBarsGoBelowZeroForImprovements() {
        PerplexityDeltaChart chart = Fx.call(PerplexityDeltaChart::new);
        Fx.run(() -> {
            host.getChildren().setAll(chart);
            chart.setData(new PerplexityDeltas(List.of(new PerplexityDelta("H2O", 256, 6, 7),
                    new PerplexityDelta("H2O", 128, 6, 8), new PerplexityDelta("SnapKV", 128, 6, 5.5))));
        });
        assertEquals(List.of("128", "256"), List.copyOf(((javafx.scene.chart.CategoryAxis) chart.chart().getXAxis())
                .getCategories()));
        assertEquals(2, chart.chart().getData().size());
        XYChart.Data<String, Number> worse = chart.chart().getData().get(0).getData().get(1);
        XYChart.Data<String, Number> better = chart.chart().getData().get(1).getData().get(0);
        assertEquals(2.0, worse.getYValue().doubleValue());
        double zero = Fx.call(() -> ((javafx.scene.chart.NumberAxis) chart.chart().getYAxis()).getDisplayPosition(0));
        assertTrue(Fx.call(() -> worse.getNode().getBoundsInParent().getMaxY()) <= zero + 1, "above zero line");
        assertTrue(Fx.call(() -> better.getNode().getBoundsInParent().getMinY()) >= zero - 1, "below zero line");
        assertNotEquals("", Fx.call(() -> ((javafx.scene.control.Label) chart.getBottom()).getText()));
    }
}
