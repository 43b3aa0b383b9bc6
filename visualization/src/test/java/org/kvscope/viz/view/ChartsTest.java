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

    /** The labels a y axis draws, bottom to top. */
    private static List<String> yTickLabels(LayerMetricChart chart) {
        Fx.snapshot(chart);
        return Fx.call(() -> chart.yAxis().getTickMarks().stream().filter(t -> t.isTextVisible())
                .sorted(java.util.Comparator.comparingDouble(t -> -t.getPosition()))
                .map(t -> chart.yAxis().getTickLabelFormatter().toString(t.getValue())).toList());
    }

    @Test
    void aFixedYRangeIsTickedAtRoundValuesWithItsEndsAndZero() {
        LayerMetricChart chart = Fx.call(() -> new LayerMetricChart("agreement", LayerMetricChart.Style.LINE));
        Fx.run(() -> {
            host.getChildren().setAll(chart);
            chart.setData("agreement", List.of(new LayerSeries("rho", new double[] {-0.1, 0.2, 0.05})));
            chart.setYRange(-1, 1);
        });
        assertEquals(List.of("-1.0", "-0.5", "0.0", "0.5", "1.0"), yTickLabels(chart), "a correlation's range, 0 labelled");
        Fx.run(() -> chart.setYRange(0, 1));
        assertEquals(List.of("0.0", "0.2", "0.4", "0.6", "0.8", "1.0"), yTickLabels(chart));
        assertEquals(0.05, LayerMetricChart.roundTickUnit(0, 0.3), 1e-12);
        assertEquals(0.75 / 5, LayerMetricChart.roundTickUnit(0.01, 0.76), 1e-12, "no round unit fits: fifths");
    }

    /** Pixels of {@code img} inside {@code area} within a small distance of {@code colour}. */
    private static int pixelsOf(WritableImage img, javafx.geometry.Bounds area, javafx.scene.paint.Color colour) {
        int argb = org.kvscope.viz.VizTheme.argb(colour);
        int n = 0;
        for (int y = (int) area.getMinY() + 1; y < area.getMaxY() - 1; y++) {
            for (int x = (int) area.getMinX() + 1; x < area.getMaxX() - 1; x++) {
                if (Fx.distance(argb, Fx.argb(img, x, y)) < 40) {
                    n++;
                }
            }
        }
        return n;
    }

    @Test
    void aLineOnAnEarlierOneIsDashedSoBothShowAndTheLegendSaysSo() {
        LayerMetricChart chart = Fx.call(() -> new LayerMetricChart(null, LayerMetricChart.Style.LINE));
        double[] budget = {64, 64, 64, 64};
        Fx.run(() -> {
            host.getChildren().setAll(chart);
            chart.setData("positions", List.of(new LayerSeries("FullKV run", new double[] {10, 20, 15, 30}),
                    new LayerSeries("A: snapkv budget", budget), new LayerSeries("B: h2o budget", budget.clone())));
        });
        WritableImage img = Fx.snapshot(chart);
        javafx.geometry.Bounds plot = Fx.call(() -> {
            javafx.scene.Node bg = chart.lookup(".chart-plot-background");
            return chart.sceneToLocal(bg.localToScene(bg.getBoundsInLocal()));
        });
        assertTrue(pixelsOf(img, plot, org.kvscope.viz.VizStyle.POLICY_A) > 40, "A's line shows through B's");
        assertTrue(pixelsOf(img, plot, org.kvscope.viz.VizStyle.POLICY_B) > 40, "B's line is drawn");
        assertEquals(List.of("FullKV run", "A: snapkv budget", "B: h2o budget (same values as A)"),
                Fx.call(() -> chart.chart().getData().stream().map(XYChart.Series::getName).toList()));
        assertEquals("", Fx.call(() -> chart.chart().getData().get(1).getNode().getStyle()), "A's line stays solid");
        Fx.run(() -> chart.setData("positions", List.of(new LayerSeries("A: snapkv budget", budget),
                new LayerSeries("B: h2o budget", new double[] {64, 64, 32, 64}))));
        assertEquals("B: h2o budget", Fx.call(() -> chart.chart().getData().get(1).getName()), "different: as named");
        assertEquals("", Fx.call(() -> chart.chart().getData().get(1).getNode().getStyle()));
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
