package org.kvscope.viz.view;

import java.util.List;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.geometry.Side;
import javafx.scene.chart.XYChart;
import javafx.scene.control.Label;
import javafx.util.StringConverter;
import org.kvscope.viz.data.LayerSeries;

/** Helpers shared by the XY charts. */
final class Charts {
    private Charts() {
    }

    static void styleChart(XYChart<?, ?> chart) {
        chart.setAnimated(false);
        chart.getStyleClass().add("kvscope-chart");
        chart.setLegendSide(Side.BOTTOM);
        chart.setHorizontalZeroLineVisible(true);
        chart.setMinSize(120, 100);
        for (Object axis : new Object[] {chart.getXAxis(), chart.getYAxis()}) {
            if (axis instanceof javafx.scene.chart.NumberAxis n) {
                TickFormat.install(n);
            }
        }
        AxisLabels.keepInside(chart);
    }

    /** Points (layer, value) of a layer series, skipping NaN values. */
    static XYChart.Series<Number, Number> layerLine(LayerSeries s) {
        ObservableList<XYChart.Data<Number, Number>> data = FXCollections.observableArrayList();
        double[] v = s.values();
        for (int layer = 0; layer < v.length; layer++) {
            if (!Double.isNaN(v[layer])) {
                data.add(new XYChart.Data<>(layer, v[layer]));
            }
        }
        return new XYChart.Series<>(s.name(), data);
    }

    /** Bars ("L0".., value) of a layer series, skipping NaN values. */
    static XYChart.Series<String, Number> layerBars(LayerSeries s) {
        ObservableList<XYChart.Data<String, Number>> data = FXCollections.observableArrayList();
        double[] v = s.values();
        for (int layer = 0; layer < v.length; layer++) {
            if (!Double.isNaN(v[layer])) {
                data.add(new XYChart.Data<>(layerCategory(layer), v[layer]));
            }
        }
        return new XYChart.Series<>(s.name(), data);
    }

    /**
     * Gives each series the colour its name asks for ({@link org.kvscope.viz.VizStyle#seriesColor}): policy A blue,
     * B orange, the FullKV baseline grey, the same in every chart. Call after the series are set.
     */
    static void colourSeries(XYChart<?, ?> chart) {
        chart.setStyle(org.kvscope.viz.VizStyle.chartColors(chart.getData().stream().map(XYChart.Series::getName)
                .toList()));
    }

    static List<String> layerCategories(int layers) {
        return java.util.stream.IntStream.range(0, layers).mapToObj(Charts::layerCategory).toList();
    }

    static String layerCategory(int layer) {
        return "L" + layer;
    }

    static Label caption(String text) {
        Label label = new Label(text);
        label.getStyleClass().add("caption");
        label.setMaxWidth(Double.MAX_VALUE);
        label.setWrapText(true);
        label.setMinHeight(javafx.scene.layout.Region.USE_PREF_SIZE);
        return label;
    }

    /** Formats whole numbers without decimals and hides fractional ticks (for layer axes). */
    static final StringConverter<Number> INTEGER_TICKS = new StringConverter<>() {
        @Override
        public String toString(Number n) {
            double v = n.doubleValue();
            return v == Math.rint(v) ? Long.toString((long) v) : "";
        }

        @Override
        public Number fromString(String s) {
            return Double.valueOf(s);
        }
    };
}
