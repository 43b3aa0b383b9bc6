package org.kvscope.viz.view;

import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.scene.chart.LineChart;
import javafx.scene.chart.NumberAxis;
import javafx.scene.chart.XYChart;
import javafx.scene.layout.BorderPane;
import javafx.util.StringConverter;
import org.kvscope.viz.VizStyle;
import org.kvscope.viz.data.BudgetCurve;
import org.kvscope.viz.data.BudgetCurveSet;

/**
 * A metric (recall, perplexity, ...) against KV budget, one line per policy. The budget axis is log2 by default,
 * so doubling budgets are evenly spaced. Use on the JavaFX application thread.
 */
public class BudgetCurveChart extends BorderPane {
    private final NumberAxis xAxis = new NumberAxis();
    private final NumberAxis yAxis = new NumberAxis();
    private final LineChart<Number, Number> chart = new LineChart<>(xAxis, yAxis);
    private final ReadOnlyObjectWrapper<BudgetCurveSet> data = new ReadOnlyObjectWrapper<>(this, "data");
    private final boolean logBudget;

    /** Chart with a log2 budget axis. */
    public BudgetCurveChart(String title) {
        this(title, true);
    }

    /**
     * @param title     chart title (may be empty)
     * @param logBudget true for a log2 budget axis (budgets must then be positive)
     */
    public BudgetCurveChart(String title, boolean logBudget) {
        this.logBudget = logBudget;
        VizStyle.apply(this, "viz-view", "budget-curve-chart");
        Charts.styleChart(chart);
        chart.setTitle(title == null || title.isEmpty() ? null : title);
        xAxis.setLabel(logBudget ? "KV budget (tokens, log scale)" : "KV budget (tokens)");
        xAxis.setForceZeroInRange(!logBudget);
        xAxis.setMinorTickVisible(!logBudget);
        if (logBudget) {
            xAxis.setAutoRanging(false);
            xAxis.setTickUnit(1);
            xAxis.setTickLabelFormatter(new StringConverter<>() {
                @Override
                public String toString(Number n) {
                    double v = n.doubleValue();
                    return v == Math.rint(v) ? Long.toString(Math.round(Math.pow(2, v))) : "";
                }

                @Override
                public Number fromString(String s) {
                    return Math.log(Double.parseDouble(s)) / Math.log(2);
                }
            });
        }
        yAxis.setForceZeroInRange(false);
        setCenter(chart);
    }

    /** Replaces the curves; the set's metric becomes the y label. Null clears. */
    public void setData(BudgetCurveSet set) {
        data.set(set);
        if (set == null) {
            chart.getData().clear();
            return;
        }
        yAxis.setLabel(set.metric());
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        ObservableList<XYChart.Series<Number, Number>> all = FXCollections.observableArrayList();
        for (BudgetCurve c : set.curves()) {
            ObservableList<XYChart.Data<Number, Number>> points = FXCollections.observableArrayList();
            for (int i = 0; i < c.budgets().length; i++) {
                double b = c.budgets()[i];
                double v = c.values()[i];
                if (Double.isNaN(v)) {
                    continue;
                }
                if (logBudget && !(b > 0)) {
                    throw new IllegalArgumentException("budget " + b + " of '" + c.name()
                            + "' cannot go on a log axis; budgets must be > 0");
                }
                double x = logBudget ? Math.log(b) / Math.log(2) : b;
                lo = Math.min(lo, x);
                hi = Math.max(hi, x);
                points.add(new XYChart.Data<>(x, v));
            }
            all.add(new XYChart.Series<>(c.name(), points));
        }
        if (logBudget && lo <= hi) {
            xAxis.setLowerBound(Math.floor(lo));
            xAxis.setUpperBound(Math.max(Math.ceil(hi), Math.floor(lo) + 1));
        }
        chart.setData(all);
        Charts.colourSeries(chart);
    }

    /** The data shown, or null. */
    public ReadOnlyObjectProperty<BudgetCurveSet> dataProperty() {
        return data.getReadOnlyProperty();
    }

    /** The underlying chart. */
    public LineChart<Number, Number> chart() {
        return chart;
    }
}
