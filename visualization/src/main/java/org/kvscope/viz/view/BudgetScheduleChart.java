package org.kvscope.viz.view;

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
import org.kvscope.viz.data.BudgetSchedule;

/**
 * Per-layer KV budgets as bars. When a schedule with the same layer count replaces the current one (e.g. while a
 * β, α or decay slider moves) the existing bars animate smoothly to their new heights instead of being rebuilt.
 * The token axis ends at a round value at or above the largest budget ({@link #axisTop}), so a budget slider moves
 * the bars without re-ranging and re-labelling the axis until the largest budget passes that value.
 * Use on the JavaFX application thread.
 */
public class BudgetScheduleChart extends BorderPane {
    private final CategoryAxis xAxis = new CategoryAxis();
    private final NumberAxis yAxis = new NumberAxis();
    private final BarChart<String, Number> chart = new BarChart<>(xAxis, yAxis);
    private final XYChart.Series<String, Number> series = new XYChart.Series<>();
    private final Label caption = Charts.caption("");
    private final ReadOnlyObjectWrapper<BudgetSchedule> data = new ReadOnlyObjectWrapper<>(this, "data");
    private boolean animationsEnabled = true;

    /** Empty chart. */
    public BudgetScheduleChart() {
        VizStyle.apply(this, "viz-view", "budget-schedule-chart");
        Charts.styleChart(chart);
        chart.setLegendVisible(false);
        chart.setTitle("KV budget per layer (tokens)");
        chart.setCategoryGap(3);
        xAxis.setLabel("layer");
        yAxis.setLabel("tokens");
        yAxis.setAutoRanging(false);
        yAxis.setLowerBound(0);
        fitAxis(0);
        series.setName("budget");
        chart.setStyle(VizStyle.chartColors(java.util.List.of("budget")));
        chart.getData().add(series);
        setCenter(chart);
        setBottom(caption);
    }

    /** Shows a schedule; animates when the layer count is unchanged (null clears). */
    public void setSchedule(BudgetSchedule schedule) {
        BudgetSchedule old = data.get();
        data.set(schedule);
        if (schedule == null) {
            series.getData().clear();
            caption.setText("");
            return;
        }
        caption.setText(schedule.description());
        int[] b = schedule.budgets();
        fitAxis(java.util.Arrays.stream(b).max().orElse(0));
        if (old != null && old.layerCount() == b.length && !series.getData().isEmpty()) {
            chart.setAnimated(animationsEnabled);
            for (int i = 0; i < b.length; i++) {
                series.getData().get(i).setYValue(b[i]);
            }
            return;
        }
        chart.setAnimated(false);
        ObservableList<XYChart.Data<String, Number>> bars = FXCollections.observableArrayList();
        for (int i = 0; i < b.length; i++) {
            bars.add(new XYChart.Data<>(Charts.layerCategory(i), b[i]));
        }
        xAxis.setCategories(FXCollections.observableArrayList(Charts.layerCategories(b.length)));
        series.getData().setAll(bars);
    }

    /** Sets the token axis to {@link #axisTop} of {@code max} (unchanged bounds leave the axis as it is). */
    private void fitAxis(int max) {
        double[] top = axisTop(max);
        if (yAxis.getUpperBound() != top[0] || yAxis.getTickUnit() != top[1]) {
            yAxis.setUpperBound(top[0]);
            yAxis.setTickUnit(top[1]);
        }
    }

    /**
     * The token axis for a largest budget of {@code max}: its top, the smallest of 1, 1.5, 2, 3, 4, 5, 6 or 8 times a
     * power of ten that is at least {@code max} (and at least 5), and a tick unit of 1, 2 or 5 times a power of ten
     * that divides it into three to five steps. Returns {top, unit}.
     */
    static double[] axisTop(int max) {
        double[] mantissas = {1, 1.5, 2, 3, 4, 5, 6, 8};
        int[] steps = {5, 3, 4, 3, 4, 5, 3, 4};
        for (double power = 1; ; power *= 10) {
            for (int i = 0; i < mantissas.length; i++) {
                double top = mantissas[i] * power;
                if (top >= Math.max(5, max)) {
                    return new double[] {top, top / steps[i]};
                }
            }
        }
    }

    /**
     * Names the policy whose budgets these are, e.g. {@code "A"} or {@code "B: h2o"}: the bars take its colour
     * ({@link VizStyle#seriesColor}: A blue, B orange as in every view; other names a neutral green).
     */
    public void setPolicy(String name) {
        series.setName(name);
        chart.setStyle(VizStyle.chartColors(java.util.List.of(name)));
    }

    /** Whether same-shape updates animate (default true); off makes bars jump to their new heights. */
    public void setAnimationsEnabled(boolean enabled) {
        animationsEnabled = enabled;
    }

    /** The schedule shown, or null. */
    public ReadOnlyObjectProperty<BudgetSchedule> scheduleProperty() {
        return data.getReadOnlyProperty();
    }

    /** The underlying chart. */
    public BarChart<String, Number> chart() {
        return chart;
    }
}
