package org.kvscope.viz.view;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.collections.FXCollections;
import javafx.scene.chart.BarChart;
import javafx.scene.chart.CategoryAxis;
import javafx.scene.chart.NumberAxis;
import javafx.scene.chart.XYChart;
import javafx.scene.control.ComboBox;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.FlowPane;
import org.kvscope.viz.VizStyle;
import org.kvscope.viz.data.HeadValues;

/**
 * One bar per head (e.g. per-head attention entropy) for one layer or all layers, in head order or sorted by value,
 * so the most focused and the broadest heads stand out. Use on the JavaFX application thread.
 */
public class HeadValuesChart extends BorderPane {

    /** Order of the bars. */
    public enum Order {
        /** Layer, then head index. */
        BY_HEAD("by head"),
        /** Smallest value first. */
        ASCENDING("lowest first"),
        /** Largest value first. */
        DESCENDING("highest first");

        private final String label;

        Order(String label) {
            this.label = label;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    /** Layer choice meaning every layer. */
    public static final int ALL_LAYERS = -1;

    private final CategoryAxis xAxis = new CategoryAxis();
    private final NumberAxis yAxis = new NumberAxis();
    private final ReferenceBarChart chart = new ReferenceBarChart(xAxis, yAxis);
    private final ComboBox<Order> order = new ComboBox<>();
    private final ComboBox<Integer> layer = new ComboBox<>();
    private final ReadOnlyObjectWrapper<HeadValues> data = new ReadOnlyObjectWrapper<>(this, "data");
    private List<String> shown = List.of();
    /**
     * The one tooltip of every bar, its text set as the pointer enters a bar: making a tooltip per bar for the 270
     * heads of a SmolLM2-sized model cost 28–65 ms of FX-thread CPU on the loaded 2-core machine; {@link #setData}
     * of those heads now costs 75 ms warm (280 ms on its first use in a JVM: class loading and JIT).
     */
    private final javafx.scene.control.Tooltip barTip = new javafx.scene.control.Tooltip();

    /** Empty chart in head order over all layers. */
    public HeadValuesChart() {
        VizStyle.apply(this, "viz-view", "head-values-chart");
        Charts.styleChart(chart);
        chart.setLegendVisible(false);
        chart.setCategoryGap(2);
        chart.setStyle("CHART_COLOR_1: #009e73;");
        xAxis.setLabel("head");
        xAxis.setAnimated(false);
        xAxis.setAutoRanging(false); // the categories are set in bar order (see refresh)
        // after each of the axis's layouts (its font, size or categories changed), decide which labels are drawn
        xAxis.needsLayoutProperty().addListener((o, was, needs) -> {
            if (!needs) {
                spaceLabels(xAxis);
            }
        });
        order.getItems().setAll(Order.values());
        order.setValue(Order.BY_HEAD);
        layer.setConverter(new javafx.util.StringConverter<>() {
            @Override
            public String toString(Integer l) {
                return l == null || l == ALL_LAYERS ? "all layers" : "layer " + l;
            }

            @Override
            public Integer fromString(String s) {
                throw new UnsupportedOperationException("the layer is chosen from the list");
            }
        });
        layer.setValue(ALL_LAYERS);
        order.valueProperty().addListener((obs, o, n) -> refresh());
        layer.valueProperty().addListener((obs, o, n) -> refresh());
        FlowPane bar = new FlowPane(6, 4, layer, order);
        bar.getStyleClass().add("toolbar-row");
        setTop(bar);
        setCenter(chart);
    }

    /** Shows new values (null clears); the layer choice is kept when it still exists. */
    public void setData(HeadValues values) {
        data.set(values);
        List<Integer> layers = new ArrayList<>();
        layers.add(ALL_LAYERS);
        for (int l = 0; values != null && l < values.layers(); l++) {
            layers.add(l);
        }
        Integer chosen = layer.getValue();
        layer.getItems().setAll(layers);
        layer.setValue(chosen != null && layers.contains(chosen) ? chosen : ALL_LAYERS);
        refresh();
    }

    /** The bar order (default by head). */
    public ObjectProperty<Order> orderProperty() {
        return order.valueProperty();
    }

    /** The layer shown, or {@link #ALL_LAYERS}. */
    public ObjectProperty<Integer> layerProperty() {
        return layer.valueProperty();
    }

    /** The values shown, or null. */
    public ReadOnlyObjectProperty<HeadValues> dataProperty() {
        return data.getReadOnlyProperty();
    }

    /** The bars' heads in display order, e.g. {@code L2 H5} (the axis writes {@code H5} when one layer is shown). */
    public List<String> shownCategories() {
        return shown;
    }

    /** The head axis (its tick labels are the bars' labels that fit without overlapping). */
    public CategoryAxis headAxis() {
        return xAxis;
    }

    /**
     * A dashed horizontal reference line, e.g. ln n on per-head entropy (the entropy of uniform attention over n
     * keys); NaN removes it.
     */
    public void setReferenceLine(double value, String label) {
        chart.references.set(Double.isNaN(value) ? List.of() : List.of(new ReferenceLines.Reference(value, label)),
                chart.plotChildren());
        chart.relayout();
    }

    /** The reference line's value, or NaN when none is drawn. */
    public double referenceLine() {
        return chart.references.isEmpty() ? Double.NaN : chart.references.references().getFirst().value();
    }

    /** The underlying chart. */
    public BarChart<String, Number> chart() {
        return chart;
    }

    /** Least space between two drawn head labels, in pixels. */
    static final double LABEL_GAP = 3;

    /**
     * Draws every n-th tick label of {@code axis} lying on the axis at the smallest stride whose labels do not
     * overlap, the first one included; labels off the axis are hidden. Runs after each layout of the axis: JavaFX's
     * own skipping keeps the labels it hid and hides more on each new layout (after a few resizes 3 of 8 heads were
     * labelled).
     */
    static void spaceLabels(javafx.scene.chart.Axis<?> axis) {
        if (!axis.isTickLabelsVisible()) {
            return;
        }
        List<javafx.scene.text.Text> all = axis.getChildrenUnmodifiable().stream()
                .filter(javafx.scene.text.Text.class::isInstance).map(javafx.scene.text.Text.class::cast).toList();
        List<javafx.scene.text.Text> labels = all.stream().filter(t -> onAxis(t, axis.getWidth()))
                .sorted(Comparator.comparingDouble(t -> t.getBoundsInParent().getMinX())).toList();
        int stride = 1;
        while (stride < labels.size() && overlaps(labels, stride)) {
            stride++;
        }
        java.util.Set<javafx.scene.text.Text> drawn = new java.util.HashSet<>();
        for (int i = 0; i < labels.size(); i += stride) {
            drawn.add(labels.get(i));
        }
        all.forEach(t -> t.setVisible(drawn.contains(t))); // each set once: no change, no new layout
    }

    /** Whether a label's centre lies on an axis {@code width} wide (a label of a removed category has none). */
    private static boolean onAxis(javafx.scene.text.Text t, double width) {
        javafx.geometry.Bounds b = t.getBoundsInParent();
        double centre = (b.getMinX() + b.getMaxX()) / 2;
        return !b.isEmpty() && centre >= 0 && centre <= width;
    }

    /** Whether labels {@code stride} apart would be closer than {@link #LABEL_GAP}. */
    private static boolean overlaps(List<javafx.scene.text.Text> labels, int stride) {
        for (int i = 0; i + stride < labels.size(); i += stride) {
            if (labels.get(i + stride).getBoundsInParent().getMinX() - labels.get(i).getBoundsInParent().getMaxX()
                    < LABEL_GAP) {
                return true;
            }
        }
        return false;
    }

    private record Bar(String label, double value) {
        String tip() {
            return String.format(java.util.Locale.ROOT, "%s: %.3f", label, value);
        }
    }

    /** A bar chart with reference lines, whose y range includes them. */
    private static final class ReferenceBarChart extends BarChart<String, Number> {
        private final ReferenceLines references = new ReferenceLines();

        ReferenceBarChart(CategoryAxis x, NumberAxis y) {
            super(x, y);
        }

        javafx.collections.ObservableList<javafx.scene.Node> plotChildren() {
            return getPlotChildren();
        }

        /** Ranges the axis and lays the plot out again (after the reference lines change). */
        void relayout() {
            if (getYAxis().isAutoRanging()) {
                updateAxisRange();
            }
            requestChartLayout();
        }

        @Override
        protected void updateAxisRange() {
            super.updateAxisRange();
            NumberAxis y = (NumberAxis) getYAxis();
            if (!y.isAutoRanging() || references.isEmpty()) {
                return;
            }
            List<Number> values = new ArrayList<>();
            references.addValues(values);
            for (Series<String, Number> s : getData()) {
                s.getData().forEach(d -> values.add(d.getYValue()));
            }
            y.invalidateRange(values);
        }

        @Override
        protected void layoutPlotChildren() {
            super.layoutPlotChildren();
            references.layout((NumberAxis) getYAxis(), getXAxis().getWidth());
        }
    }

    private void refresh() {
        HeadValues v = data.get();
        if (v == null) {
            chart.getData().clear();
            xAxis.getCategories().clear();
            shown = List.of();
            return;
        }
        yAxis.setLabel(v.metric());
        int chosen = layer.getValue() == null ? ALL_LAYERS : layer.getValue();
        boolean oneLayer = chosen != ALL_LAYERS;
        xAxis.setLabel(oneLayer ? "head (layer " + chosen + ")" : "layer and head");
        xAxis.setTickLabelRotation(oneLayer ? 0 : -90);
        List<Bar> bars = new ArrayList<>();
        for (int l = 0; l < v.layers(); l++) {
            if (chosen != ALL_LAYERS && l != chosen) {
                continue;
            }
            for (int h = 0; h < v.heads(); h++) {
                if (!Double.isNaN(v.values()[l][h])) {
                    bars.add(new Bar("L" + l + " H" + h, v.values()[l][h]));
                }
            }
        }
        Order o = order.getValue() == null ? Order.BY_HEAD : order.getValue();
        if (o == Order.ASCENDING) {
            bars.sort(Comparator.comparingDouble(Bar::value));
        } else if (o == Order.DESCENDING) {
            bars.sort(Comparator.comparingDouble(Bar::value).reversed());
        }
        shown = bars.stream().map(Bar::label).toList();
        java.util.function.UnaryOperator<String> axisLabel = oneLayer ? c -> c.substring(c.indexOf(' ') + 1) : c -> c;
        // changed in place: a new list leaves the axis's tick labels stale until its length changes
        xAxis.getCategories().setAll(shown.stream().map(axisLabel).toList());
        XYChart.Series<String, Number> series = new XYChart.Series<>();
        series.setName(v.metric());
        bars.forEach(b -> series.getData().add(new XYChart.Data<>(axisLabel.apply(b.label()), b.value())));
        chart.setData(FXCollections.observableArrayList(List.of(series)));
        for (int i = 0; i < bars.size(); i++) {
            javafx.scene.Node bar = series.getData().get(i).getNode();
            if (bar != null) { // the head and value of bars whose label the axis skipped
                Bar b = bars.get(i);
                bar.setOnMouseEntered(e -> barTip.setText(b.tip()));
                javafx.scene.control.Tooltip.install(bar, barTip);
            }
        }
    }
}
