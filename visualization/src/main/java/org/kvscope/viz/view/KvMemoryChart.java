package org.kvscope.viz.view;

import java.util.Locale;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.scene.chart.BarChart;
import javafx.scene.chart.CategoryAxis;
import javafx.scene.chart.NumberAxis;
import javafx.scene.chart.XYChart;
import javafx.scene.control.Label;
import javafx.scene.layout.BorderPane;
import javafx.util.StringConverter;
import org.kvscope.viz.VizStyle;
import org.kvscope.viz.data.KvMemoryUsage;

/**
 * KV-cache memory per layer: one policy's kept bars in front of the full-cache bars ({@link #setData}), or several
 * policies grouped per layer beside the full cache ({@link #setGroups}, A blue and B orange as everywhere), a byte
 * axis that picks B/KiB/MiB/GiB from the data, and a total label. Use on the JavaFX application thread.
 */
public class KvMemoryChart extends BorderPane {
    private final CategoryAxis xAxis = new CategoryAxis();
    private final NumberAxis yAxis = new NumberAxis();
    private final BarChart<String, Number> chart = new BarChart<>(xAxis, yAxis);
    private final Label total = Charts.caption("no data");
    private final ReadOnlyObjectWrapper<KvMemoryUsage> data = new ReadOnlyObjectWrapper<>(this, "data");
    private final ReadOnlyObjectWrapper<org.kvscope.viz.data.KvMemoryGroups> groups =
            new ReadOnlyObjectWrapper<>(this, "groups");
    private ByteFormat unit = ByteFormat.B;

    /** Empty chart. */
    public KvMemoryChart() {
        VizStyle.apply(this, "viz-view", "kv-memory-chart");
        Charts.styleChart(chart);
        chart.setTitle("KV cache memory per layer");
        chart.setBarGap(-1);
        chart.setCategoryGap(4);
        xAxis.setLabel("layer");
        yAxis.setTickLabelFormatter(new StringConverter<>() {
            @Override
            public String toString(Number n) {
                return unit.formatIn(n.doubleValue() * unit.bytes());
            }

            @Override
            public Number fromString(String s) {
                throw new UnsupportedOperationException("tick labels are display only");
            }
        });
        setCenter(chart);
        setBottom(total);
    }

    /** Shows several policies grouped per layer beside the full cache (null clears). */
    public void setGroups(org.kvscope.viz.data.KvMemoryGroups newGroups) {
        groups.set(newGroups);
        data.set(null);
        if (newGroups == null) {
            chart.getData().clear();
            total.setText("no data");
            return;
        }
        KvMemoryUsage first = newGroups.usages().getFirst();
        long max = 0;
        for (KvMemoryUsage u : newGroups.usages()) {
            for (int i = 0; i < u.layerCount(); i++) {
                max = Math.max(max, Math.max(u.keptBytes()[i], u.fullBytes()[i]));
            }
        }
        unit = ByteFormat.unitFor(max);
        yAxis.setLabel("bytes (" + unit.name() + ")");
        chart.setBarGap(1);
        java.util.List<XYChart.Series<String, Number>> all = new java.util.ArrayList<>();
        all.add(new XYChart.Series<>("full cache", bars(first.fullBytes())));
        StringBuilder totals = new StringBuilder();
        for (int i = 0; i < newGroups.names().size(); i++) {
            all.add(new XYChart.Series<>(newGroups.names().get(i), bars(newGroups.usages().get(i).keptBytes())));
            totals.append(i == 0 ? "" : "; ").append(newGroups.names().get(i)).append(": ")
                    .append(totalText(newGroups.usages().get(i)));
        }
        xAxis.setCategories(FXCollections.observableArrayList(Charts.layerCategories(first.layerCount())));
        chart.setData(FXCollections.observableArrayList(all));
        Charts.colourSeries(chart);
        total.setText(totals.toString());
    }

    private ObservableList<XYChart.Data<String, Number>> bars(long[] bytes) {
        ObservableList<XYChart.Data<String, Number>> out = FXCollections.observableArrayList();
        for (int i = 0; i < bytes.length; i++) {
            out.add(new XYChart.Data<>(Charts.layerCategory(i), bytes[i] / (double) unit.bytes()));
        }
        return out;
    }

    /** The grouped data shown, or null. */
    public ReadOnlyObjectProperty<org.kvscope.viz.data.KvMemoryGroups> groupsProperty() {
        return groups.getReadOnlyProperty();
    }

    /** Shows one policy's usage, kept bars in front of the full cache (null clears). */
    public void setData(KvMemoryUsage usage) {
        data.set(usage);
        groups.set(null);
        chart.setBarGap(-1);
        if (usage == null) {
            chart.getData().clear();
            total.setText("no data");
            return;
        }
        long max = 0;
        for (int i = 0; i < usage.layerCount(); i++) {
            max = Math.max(max, Math.max(usage.keptBytes()[i], usage.fullBytes()[i]));
        }
        unit = ByteFormat.unitFor(max);
        yAxis.setLabel("bytes (" + unit.name() + ")");
        ObservableList<XYChart.Data<String, Number>> full = FXCollections.observableArrayList();
        ObservableList<XYChart.Data<String, Number>> kept = FXCollections.observableArrayList();
        for (int i = 0; i < usage.layerCount(); i++) {
            String layer = Charts.layerCategory(i);
            full.add(new XYChart.Data<>(layer, usage.fullBytes()[i] / (double) unit.bytes()));
            kept.add(new XYChart.Data<>(layer, usage.keptBytes()[i] / (double) unit.bytes()));
        }
        xAxis.setCategories(FXCollections.observableArrayList(Charts.layerCategories(usage.layerCount())));
        chart.setData(FXCollections.observableArrayList(java.util.List.of(new XYChart.Series<>("full cache", full),
                new XYChart.Series<>("kept", kept))));
        Charts.colourSeries(chart);
        total.setText(totalText(usage));
    }

    /** E.g. {@code kept 1.5 MiB of 6 MiB (25.0%)}. */
    public static String totalText(KvMemoryUsage usage) {
        long kept = usage.totalKept();
        long full = usage.totalFull();
        String share = full == 0 ? "n/a" : String.format(Locale.ROOT, "%.1f%%", 100.0 * kept / full);
        return "kept " + ByteFormat.format(kept) + " of " + ByteFormat.format(full) + " (" + share + ")";
    }

    /** The total label text. */
    public ReadOnlyStringProperty totalTextProperty() {
        return total.textProperty();
    }

    /** Unit of the y axis for the current data. */
    public ByteFormat unit() {
        return unit;
    }

    /** The y axis (values are in {@link #unit()}). */
    public NumberAxis yAxis() {
        return yAxis;
    }

    /** The data shown, or null. */
    public ReadOnlyObjectProperty<KvMemoryUsage> dataProperty() {
        return data.getReadOnlyProperty();
    }

    /** The underlying chart. */
    public BarChart<String, Number> chart() {
        return chart;
    }
}
