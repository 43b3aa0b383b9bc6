package org.kvscope.viz.data;

import java.util.List;

/**
 * Several layer curves of one metric, as overlaid in one chart.
 *
 * @param metric name of the metric (the y axis)
 * @param series the curves; may differ in length
 */
public record LayerSeriesSet(String metric, List<LayerSeries> series) implements CsvWritable {

    public LayerSeriesSet {
        Checks.notNull(metric, "metric");
        series = Checks.copyOf(series, "series");
    }

    /** Largest layer count of all series. */
    public int layerCount() {
        return series.stream().mapToInt(LayerSeries::layerCount).max().orElse(0);
    }

    /** Wide table: a {@code layer} column then one column per series; missing values are empty fields. */
    @Override
    public String toCsv() {
        String[] header = new String[series.size() + 1];
        header[0] = "layer";
        for (int i = 0; i < series.size(); i++) {
            header[i + 1] = Csv.text(series.get(i).name());
        }
        StringBuilder sb = new StringBuilder(Csv.line(header));
        for (int layer = 0; layer < layerCount(); layer++) {
            String[] row = new String[series.size() + 1];
            row[0] = Integer.toString(layer);
            for (int i = 0; i < series.size(); i++) {
                double[] v = series.get(i).values();
                row[i + 1] = layer < v.length ? Csv.number(v[layer]) : "";
            }
            sb.append(Csv.line(row));
        }
        return sb.toString();
    }
}
