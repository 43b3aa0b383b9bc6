package org.kvscope.app.ui.view;

import javafx.collections.ObservableList;
import javafx.scene.chart.BarChart;
import javafx.scene.chart.CategoryAxis;
import javafx.scene.chart.LineChart;
import javafx.scene.chart.NumberAxis;
import javafx.scene.chart.XYChart;

/** Small factory and update helpers for the workbench's charts. */
final class Charts {
    private Charts() {}

    static LineChart<Number, Number> line(String id, String xLabel, String yLabel) {
        NumberAxis x = new NumberAxis();
        x.setLabel(xLabel);
        x.setForceZeroInRange(false);
        NumberAxis y = new NumberAxis();
        y.setLabel(yLabel);
        LineChart<Number, Number> c = new LineChart<>(x, y);
        c.setId(id);
        c.setAnimated(false);
        c.setCreateSymbols(true);
        c.setMinHeight(200);
        return c;
    }

    static BarChart<String, Number> bar(String id, String xLabel, String yLabel) {
        CategoryAxis x = new CategoryAxis();
        x.setLabel(xLabel);
        NumberAxis y = new NumberAxis();
        y.setLabel(yLabel);
        BarChart<String, Number> c = new BarChart<>(x, y);
        c.setId(id);
        c.setAnimated(false);
        c.setMinHeight(200);
        return c;
    }

    /** Finds or adds the series named {@code name}. */
    static <X, Y> XYChart.Series<X, Y> series(XYChart<X, Y> chart, String name) {
        for (XYChart.Series<X, Y> s : chart.getData()) {
            if (name.equals(s.getName())) {
                return s;
            }
        }
        XYChart.Series<X, Y> s = new XYChart.Series<>();
        s.setName(name);
        chart.getData().add(s);
        return s;
    }

    /** Sets y-values by layer index, reusing data points when the length is unchanged. */
    static void byLayer(LineChart<Number, Number> chart, String name, double[] values) {
        XYChart.Series<Number, Number> s = series(chart, name);
        ObservableList<XYChart.Data<Number, Number>> data = s.getData();
        if (values == null) {
            data.clear();
            return;
        }
        if (data.size() != values.length) {
            data.clear();
            for (int l = 0; l < values.length; l++) {
                data.add(new XYChart.Data<>(l, values[l]));
            }
        } else {
            for (int l = 0; l < values.length; l++) {
                data.get(l).setYValue(values[l]);
            }
        }
    }

    /** Sets category values by layer, reusing data points when the length is unchanged. */
    static void byLayer(BarChart<String, Number> chart, String name, double[] values) {
        XYChart.Series<String, Number> s = series(chart, name);
        ObservableList<XYChart.Data<String, Number>> data = s.getData();
        if (values == null) {
            data.clear();
            return;
        }
        if (data.size() != values.length) {
            data.clear();
            for (int l = 0; l < values.length; l++) {
                data.add(new XYChart.Data<>(Integer.toString(l), values[l]));
            }
        } else {
            for (int l = 0; l < values.length; l++) {
                data.get(l).setYValue(values[l]);
            }
        }
    }
}
