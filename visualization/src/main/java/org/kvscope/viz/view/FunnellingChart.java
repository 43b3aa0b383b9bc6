package org.kvscope.viz.view;

import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javafx.beans.property.ObjectProperty;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import org.kvscope.viz.VizStyle;
import org.kvscope.viz.data.LayerBand;
import org.kvscope.viz.data.LayerSeries;
import org.kvscope.viz.data.LayerSeriesSet;

/**
 * Funnelling curves by layer (entropy, positions for 90% mass, sink mass) with a metric chooser; each metric holds
 * several overlaid series (one per policy or run), optional bands showing the spread across heads, and on the
 * entropy view a dashed ln n line: the entropy of uniform attention over n keys, the most a row can have. Use on
 * the JavaFX application thread.
 */
public class FunnellingChart extends BorderPane {
    private final Map<FunnelMetric, LayerSeriesSet> byMetric = new EnumMap<>(FunnelMetric.class);
    private final Map<FunnelMetric, List<LayerBand>> bandsByMetric = new EnumMap<>(FunnelMetric.class);
    private final ComboBox<FunnelMetric> chooser = new ComboBox<>();
    private final LayerMetricChart chart = new LayerMetricChart(null, LayerMetricChart.Style.LINE);
    private int tokens;

    /** Empty chart showing {@link FunnelMetric#ENTROPY}. */
    public FunnellingChart() {
        VizStyle.apply(this, "viz-view", "funnelling-chart");
        chooser.getItems().setAll(FunnelMetric.values());
        chooser.setValue(FunnelMetric.ENTROPY);
        chooser.valueProperty().addListener((obs, o, n) -> refresh());
        Label title = new Label("Funnelling by layer");
        title.getStyleClass().add("title");
        title.setMinWidth(Region.USE_PREF_SIZE);
        chooser.setMinWidth(Region.USE_PREF_SIZE);
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        HBox bar = new HBox(title, spacer, chooser);
        bar.getStyleClass().add("toolbar-row");
        setTop(bar);
        setCenter(chart);
        refresh();
    }

    /** Sets the series of one metric (replacing earlier ones); shown when that metric is chosen. */
    public void setSeries(FunnelMetric metric, List<LayerSeries> series) {
        java.util.Objects.requireNonNull(metric, "metric");
        byMetric.put(metric, new LayerSeriesSet(metric.label(), series));
        if (metric == chooser.getValue()) {
            refresh();
        }
    }

    /** Sets the spread-across-heads bands of one metric (an empty list removes them). */
    public void setBands(FunnelMetric metric, List<LayerBand> bands) {
        java.util.Objects.requireNonNull(metric, "metric");
        bandsByMetric.put(metric, List.copyOf(bands));
        if (metric == chooser.getValue()) {
            refresh();
        }
    }

    /** Number of keys n for the ln n line on the entropy view (0 hides it). */
    public void setTokens(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("token count must be >= 0 but was " + n);
        }
        tokens = n;
        refresh();
    }

    /** The chosen metric. */
    public ObjectProperty<FunnelMetric> metricProperty() {
        return chooser.valueProperty();
    }

    /** The data of the chosen metric (an empty set when none was given). */
    public LayerSeriesSet shownData() {
        return chart.dataProperty().get();
    }

    /** The chart that draws the chosen metric. */
    public LayerMetricChart chart() {
        return chart;
    }

    /** Label of the ln n line: the entropy of uniform attention over n keys, the most a row can have. */
    public static String uniformEntropyLabel(int n) {
        return String.format(Locale.ROOT, "ln n = %.2f (uniform over n = %d keys)", Math.log(n), n);
    }

    private void refresh() {
        FunnelMetric m = chooser.getValue() == null ? FunnelMetric.ENTROPY : chooser.getValue();
        chart.setData(byMetric.getOrDefault(m, new LayerSeriesSet(m.label(), List.of())));
        chart.setBands(bandsByMetric.getOrDefault(m, List.of()));
        if (m == FunnelMetric.ENTROPY && tokens > 1) {
            chart.setReferenceLine(Math.log(tokens), uniformEntropyLabel(tokens));
        } else {
            chart.setReferenceLine(Double.NaN, "");
        }
    }
}
