package org.kvscope.viz.data;

/**
 * One named curve over layers (index = layer); NaN marks a layer without a value.
 *
 * @param name   legend name, e.g. a policy or run
 * @param values one value per layer
 */
public record LayerSeries(String name, double[] values) implements CsvWritable {

    public LayerSeries {
        Checks.notNull(name, "name");
        Checks.notNull(values, "values");
    }

    /** Number of layers covered. */
    public int layerCount() {
        return values.length;
    }

    @Override
    public String toCsv() {
        return new LayerSeriesSet(name, java.util.List.of(this)).toCsv();
    }
}
