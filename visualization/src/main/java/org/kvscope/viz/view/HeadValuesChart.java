package org.kvscope.viz.view;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
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

    private final SpacedCategoryAxis xAxis = new SpacedCategoryAxis();
    private final NumberAxis yAxis = new NumberAxis();
    private final HeadBarsPlot chart = new HeadBarsPlot(xAxis, yAxis);
    private final ComboBox<Order> order = new ComboBox<>();
    private final ComboBox<Integer> layer = new ComboBox<>();
    private final ReadOnlyObjectWrapper<HeadValues> data = new ReadOnlyObjectWrapper<>(this, "data");
    private List<String> shown = List.of();
    /** The bars' one tooltip, its text that of the bar under the pointer (the bars are drawn, not nodes). */
    private final javafx.scene.control.Tooltip barTip = new javafx.scene.control.Tooltip();
    private final ReadOnlyStringWrapper hoverText = new ReadOnlyStringWrapper(this, "hoverText", "");
    private List<Bar> bars = List.of();

    /** Empty chart in head order over all layers. */
    public HeadValuesChart() {
        VizStyle.apply(this, "viz-view", "head-values-chart");
        Charts.styleChart(chart);
        chart.setLegendVisible(false);
        javafx.scene.canvas.Canvas plot = chart.canvas();
        plot.setAccessibleRole(javafx.scene.AccessibleRole.IMAGE_VIEW);
        plot.setOnMouseMoved(e -> hover(chart.barAt(e.getX())));
        plot.setOnMouseExited(e -> hover(-1));
        javafx.scene.control.Tooltip.install(plot, barTip);
        xAxis.setLabel("head");
        xAxis.setAnimated(false);
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
    public javafx.scene.chart.Axis<String> headAxis() {
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

    /**
     * Draws the bars under the reference line grey, the others in the bar colour: e.g. the heads outside a chosen
     * share (default off).
     */
    public void setMutedBelowReference(boolean muted) {
        chart.mutedBelowReference = muted;
        chart.relayout();
    }

    /** The reference line's value, or NaN when none is drawn. */
    public double referenceLine() {
        return chart.references.isEmpty() ? Double.NaN : chart.references.references().getFirst().value();
    }

    /**
     * The bar under the pointer, e.g. {@code L2 H5: 0.731} (also the bars' tooltip and the plot's accessible help);
     * empty when the pointer is not over the plot.
     */
    public ReadOnlyStringProperty hoverTextProperty() {
        return hoverText.getReadOnlyProperty();
    }

    /** The underlying chart (its one series holds the bars' values in display order; the bars have no nodes). */
    public XYChart<String, Number> chart() {
        return chart;
    }

    private record Bar(String label, double value) {
        String tip() {
            return String.format(java.util.Locale.ROOT, "%s: %.3f", label, value);
        }
    }

    private void refresh() {
        HeadValues v = data.get();
        if (v == null) {
            chart.getData().clear();
            xAxis.setCategories(List.of());
            shown = List.of();
            bars = List.of();
            chart.canvas().setAccessibleText("per-head values: no data");
            hover(-1);
            return;
        }
        yAxis.setLabel(v.metric());
        int chosen = layer.getValue() == null ? ALL_LAYERS : layer.getValue();
        boolean oneLayer = chosen != ALL_LAYERS;
        xAxis.setLabel(oneLayer ? "head (layer " + chosen + ")" : "layer and head");
        xAxis.setTickLabelRotation(oneLayer ? 0 : -90);
        List<Bar> ordered = new ArrayList<>();
        for (int l = 0; l < v.layers(); l++) {
            if (chosen != ALL_LAYERS && l != chosen) {
                continue;
            }
            for (int h = 0; h < v.heads(); h++) {
                if (!Double.isNaN(v.values()[l][h])) {
                    ordered.add(new Bar("L" + l + " H" + h, v.values()[l][h]));
                }
            }
        }
        Order o = order.getValue() == null ? Order.BY_HEAD : order.getValue();
        if (o == Order.ASCENDING) {
            ordered.sort(Comparator.comparingDouble(Bar::value));
        } else if (o == Order.DESCENDING) {
            ordered.sort(Comparator.comparingDouble(Bar::value).reversed());
        }
        shown = ordered.stream().map(Bar::label).toList();
        java.util.function.UnaryOperator<String> axisLabel = oneLayer ? c -> c.substring(c.indexOf(' ') + 1) : c -> c;
        xAxis.setCategories(shown.stream().map(axisLabel).toList());
        XYChart.Series<String, Number> series = new XYChart.Series<>();
        series.setName(v.metric());
        ordered.forEach(b -> series.getData().add(new XYChart.Data<>(axisLabel.apply(b.label()), b.value())));
        chart.setData(FXCollections.observableArrayList(List.of(series)));
        bars = List.copyOf(ordered);
        chart.canvas().setAccessibleText(summary(v.metric(), oneLayer ? "layer " + chosen : "all layers", o, bars));
        hover(-1);
    }

    /** The centre of bar {@code index} (display order) on the screen, for a pointer to hover it. */
    javafx.geometry.Point2D barCentreOnScreen(int index) {
        XYChart.Data<String, Number> bar = chart.bars().get(index);
        double top = yAxis.getDisplayPosition(bar.getYValue());
        double base = yAxis.getDisplayPosition(Math.clamp(0, yAxis.getLowerBound(), yAxis.getUpperBound()));
        return chart.canvas().localToScreen(chart.centreX(bar), (top + base) / 2);
    }

    private void hover(int index) {
        String text = index < 0 || index >= bars.size() ? "" : bars.get(index).tip();
        hoverText.set(text);
        barTip.setText(text);
        chart.canvas().setAccessibleHelp(text);
    }

    /** E.g. {@code entropy (nats) per head, all layers, 270 heads lowest first: lowest L3 H2 0.100, highest …}. */
    static String summary(String metric, String scope, Order order, List<Bar> bars) {
        if (bars.isEmpty()) {
            return metric + " per head, " + scope + ": no values";
        }
        Bar low = bars.stream().min(Comparator.comparingDouble(Bar::value)).orElseThrow();
        Bar high = bars.stream().max(Comparator.comparingDouble(Bar::value)).orElseThrow();
        return String.format(java.util.Locale.ROOT, "%s per head, %s, %d heads %s: lowest %s, highest %s", metric,
                scope, bars.size(), order, low.tip(), high.tip());
    }
}
