package org.kvscope.viz.view;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.scene.chart.BarChart;
import javafx.scene.chart.CategoryAxis;
import javafx.scene.chart.NumberAxis;
import javafx.scene.chart.XYChart;
import javafx.scene.control.Label;
import javafx.scene.layout.BorderPane;
import org.kvscope.viz.VizStyle;
import org.kvscope.viz.data.PerplexityDelta;
import org.kvscope.viz.data.PerplexityDeltas;

/**
 * Bars of Δperplexity versus the full KV cache: budgets along x, one bar series per policy; bars above zero mean
 * the policy is worse than FullKV. Use on the JavaFX application thread.
 */
public class PerplexityDeltaChart extends BorderPane {
    private final CategoryAxis xAxis = new CategoryAxis();
    private final NumberAxis yAxis = new NumberAxis();
    private final BarChart<String, Number> chart = new BarChart<>(xAxis, yAxis);
    private final Label caption = Charts.caption("");
    private final ReadOnlyObjectWrapper<PerplexityDeltas> data = new ReadOnlyObjectWrapper<>(this, "data");

    /** Empty chart. */
    public PerplexityDeltaChart() {
        VizStyle.apply(this, "viz-view", "perplexity-delta-chart");
        Charts.styleChart(chart);
        chart.setTitle("Δ perplexity vs FullKV");
        chart.setBarGap(1);
        chart.setCategoryGap(10);
        xAxis.setLabel("KV budget (tokens)");
        yAxis.setLabel("Δ perplexity");
        setCenter(chart);
        setBottom(caption);
    }

    /** Shows the deltas (null clears); budgets are sorted ascending, policies keep their first-seen order. */
    public void setData(PerplexityDeltas deltas) {
        data.set(deltas);
        if (deltas == null) {
            chart.getData().clear();
            caption.setText("");
            return;
        }
        TreeSet<Integer> budgets = new TreeSet<>();
        Map<String, ObservableList<XYChart.Data<String, Number>>> byPolicy = new LinkedHashMap<>();
        for (PerplexityDelta d : deltas.entries()) {
            budgets.add(d.budget());
            byPolicy.computeIfAbsent(d.policy(), p -> FXCollections.observableArrayList())
                    .add(new XYChart.Data<>(Integer.toString(d.budget()), d.delta()));
        }
        xAxis.setCategories(FXCollections.observableArrayList(budgets.stream().map(String::valueOf).toList()));
        ObservableList<XYChart.Series<String, Number>> series = FXCollections.observableArrayList();
        byPolicy.forEach((policy, points) -> series.add(new XYChart.Series<>(policy, points)));
        chart.setData(series);
        Charts.colourSeries(chart);
        double[] full = deltas.entries().stream().mapToDouble(PerplexityDelta::fullPerplexity).distinct().toArray();
        caption.setText(full.length == 1 ? String.format(Locale.ROOT, "FullKV perplexity %.3f", full[0]) : "");
    }

    /** The data shown, or null. */
    public ReadOnlyObjectProperty<PerplexityDeltas> dataProperty() {
        return data.getReadOnlyProperty();
    }

    /** The underlying chart. */
    public BarChart<String, Number> chart() {
        return chart;
    }
}
