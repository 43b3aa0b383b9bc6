package org.kvscope.viz.view;

import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.collections.FXCollections;
import javafx.scene.chart.BarChart;
import javafx.scene.chart.CategoryAxis;
import javafx.scene.chart.LineChart;
import javafx.scene.chart.NumberAxis;
import javafx.scene.chart.XYChart;
import javafx.scene.layout.BorderPane;
import org.kvscope.viz.VizStyle;
import org.kvscope.viz.data.LayerSeries;
import org.kvscope.viz.data.LayerSeriesSet;

/**
 * A per-layer metric chart (x = layer) drawn as overlaid lines or grouped bars, one series per policy or run —
 * e.g. PvC overlap by layer or attention recall by layer. Use on the JavaFX application thread.
 */
public class LayerMetricChart extends BorderPane {

    /** How series are drawn. */
    public enum Style { LINE, BAR }

    private final Style style;
    private final NumberAxis yAxis = new NumberAxis();
    private final XYChart<?, Number> chart;
    private final ReadOnlyObjectWrapper<LayerSeriesSet> data = new ReadOnlyObjectWrapper<>(this, "data");

    /**
     * @param title chart title (may be empty)
     * @param style lines or bars
     */
    public LayerMetricChart(String title, Style style) {
        this.style = java.util.Objects.requireNonNull(style, "style");
        VizStyle.apply(this, "viz-view", "layer-metric-chart");
        if (style == Style.LINE) {
            NumberAxis x = new NumberAxis();
            x.setLabel("layer");
            x.setTickUnit(1);
            x.setMinorTickVisible(false);
            x.setForceZeroInRange(true);
            x.setTickLabelFormatter(Charts.INTEGER_TICKS);
            chart = new BandedLineChart(x, yAxis);
        } else {
            CategoryAxis x = new CategoryAxis();
            x.setLabel("layer");
            BarChart<String, Number> bars = new BarChart<>(x, yAxis);
            bars.setBarGap(1);
            bars.setCategoryGap(6);
            chart = bars;
        }
        Charts.styleChart(chart);
        chart.setTitle(title == null || title.isEmpty() ? null : title);
        setCenter(chart);
    }

    /** Replaces all series; the set's metric becomes the y-axis label. Null clears. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public void setData(LayerSeriesSet set) {
        data.set(set);
        if (set == null) {
            chart.getData().clear();
            return;
        }
        yAxis.setLabel(set.metric());
        if (style == Style.LINE) {
            LineChart<Number, Number> lines = (LineChart<Number, Number>) (XYChart) chart;
            lines.setCreateSymbols(set.layerCount() <= 40);
            lines.setData(FXCollections.observableArrayList(set.series().stream().map(Charts::layerLine).toList()));
            markCoincidingLines(lines.getData());
            NumberAxis x = (NumberAxis) lines.getXAxis();
            x.setTickUnit(Math.max(1, Math.ceil(set.layerCount() / 16.0)));
        } else {
            BarChart<String, Number> bars = (BarChart<String, Number>) (XYChart) chart;
            ((CategoryAxis) bars.getXAxis()).setCategories(
                    FXCollections.observableArrayList(Charts.layerCategories(set.layerCount())));
            bars.setData(FXCollections.observableArrayList(set.series().stream().map(Charts::layerBars).toList()));
        }
        Charts.colourSeries(chart);
    }

    /** Dash pattern of a line lying on an earlier one: the earlier shows through the gaps. */
    static final String COINCIDING_DASHES = "-fx-stroke-dash-array: 7 7;";

    /**
     * Dashes each line whose points all equal an earlier line's (A's and B's budgets at one value drew A's line
     * hidden under B's), and names the earlier in its legend entry, e.g. {@code B: h2o budget (same values as A)}.
     */
    private static void markCoincidingLines(java.util.List<XYChart.Series<Number, Number>> lines) {
        for (int i = 1; i < lines.size(); i++) {
            XYChart.Series<Number, Number> line = lines.get(i);
            for (int j = 0; j < i; j++) {
                if (samePoints(line, lines.get(j))) {
                    line.setName(line.getName() + " (same values as " + shortName(lines.get(j).getName()) + ")");
                    line.getNode().setStyle(COINCIDING_DASHES);
                    break;
                }
            }
        }
    }

    private static boolean samePoints(XYChart.Series<Number, Number> a, XYChart.Series<Number, Number> b) {
        if (a.getData().size() != b.getData().size() || a.getData().isEmpty()) {
            return false;
        }
        for (int i = 0; i < a.getData().size(); i++) {
            XYChart.Data<Number, Number> p = a.getData().get(i);
            XYChart.Data<Number, Number> q = b.getData().get(i);
            double y = p.getYValue().doubleValue();
            if (p.getXValue().doubleValue() != q.getXValue().doubleValue()
                    || Math.abs(y - q.getYValue().doubleValue()) > 1e-9 * Math.max(1, Math.abs(y))) {
                return false;
            }
        }
        return true;
    }

    /** A series' role when its name has one ({@code A: snapkv budget} → {@code A}), else the whole name. */
    private static String shortName(String name) {
        return switch (org.kvscope.viz.VizStyle.role(name)) {
            case A -> "A";
            case B -> "B";
            default -> name;
        };
    }

    /** Convenience for {@code setData(new LayerSeriesSet(metric, series))}. */
    public void setData(String metric, java.util.List<LayerSeries> series) {
        setData(new LayerSeriesSet(metric, series));
    }

    /**
     * Shaded bands behind the lines, e.g. the spread across heads of each layer (line charts only; an empty list
     * removes them). A band takes the colour of the series role of its name (policy A, B or the baseline).
     */
    public void setBands(java.util.List<org.kvscope.viz.data.LayerBand> bands) {
        java.util.Objects.requireNonNull(bands, "bands");
        if (!(chart instanceof BandedLineChart lines)) {
            throw new UnsupportedOperationException("bands need a line chart");
        }
        lines.setBands(bands);
    }

    /** A dashed horizontal reference line at {@code value} with a label (line charts only); NaN removes it. */
    public void setReferenceLine(double value, String label) {
        if (!(chart instanceof BandedLineChart lines)) {
            throw new UnsupportedOperationException("reference lines need a line chart");
        }
        lines.setReferences(Double.isNaN(value) ? java.util.List.of()
                : java.util.List.of(new ReferenceLines.Reference(value, label)));
    }

    /** The bands drawn (empty for bar charts). */
    public java.util.List<org.kvscope.viz.data.LayerBand> bands() {
        return chart instanceof BandedLineChart lines ? lines.bands() : java.util.List.of();
    }

    /** The value of the reference line, or NaN when none. */
    public double referenceValue() {
        return chart instanceof BandedLineChart lines && !lines.references().isEmpty()
                ? lines.references().getFirst().value() : Double.NaN;
    }

    /**
     * Fixes the y range (e.g. 0..1 for overlap and recall, −1..1 for a correlation), ticked at a round unit
     * ({@link #roundTickUnit}) so that both ends and, when in range, 0 are labelled (a fifth of −1..1 ticked −0.2 and
     * 0.2 but not 0).
     */
    public void setYRange(double lower, double upper) {
        if (!(upper > lower)) {
            throw new IllegalArgumentException("y range needs lower < upper but was " + lower + ".." + upper);
        }
        yAxis.setAutoRanging(false);
        yAxis.setLowerBound(lower);
        yAxis.setUpperBound(upper);
        yAxis.setTickUnit(roundTickUnit(lower, upper));
    }

    /**
     * The largest unit of the form 1, 2 or 5 × 10ᵏ that gives four to ten intervals over {@code lower..upper} and
     * of which {@code lower} is a whole multiple, so the ticks fall on round values, 0 among them when in range; the
     * range's fifth when no such unit exists.
     */
    static double roundTickUnit(double lower, double upper) {
        double span = upper - lower;
        for (double decade = Math.pow(10, Math.floor(Math.log10(span))); span / (5 * decade) <= 10 + 1e-9; decade /= 10) {
            for (double step : new double[] {5, 2, 1}) {
                double unit = step * decade;
                double multiple = lower / unit;
                double intervals = span / unit;
                if (intervals >= 4 - 1e-9 && intervals <= 10 + 1e-9
                        && Math.abs(multiple - Math.rint(multiple)) < 1e-9) {
                    return unit;
                }
            }
        }
        return span / 5;
    }

    /** Lets the y range follow the data again. */
    public void autoYRange() {
        yAxis.setAutoRanging(true);
    }

    /** The data shown, or null. */
    public ReadOnlyObjectProperty<LayerSeriesSet> dataProperty() {
        return data.getReadOnlyProperty();
    }

    /** The underlying JavaFX chart, for extra styling. */
    public XYChart<?, Number> chart() {
        return chart;
    }

    /** The y axis. */
    public NumberAxis yAxis() {
        return yAxis;
    }
}
