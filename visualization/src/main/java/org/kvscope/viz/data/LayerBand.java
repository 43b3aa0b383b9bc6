package org.kvscope.viz.data;

/**
 * The spread of a per-layer quantity across heads: a lower and an upper value per layer (e.g. the smallest and
 * largest head), drawn as a shaded band behind the layer curves. NaN marks a layer without a value.
 *
 * @param name  legend-style name; its colour follows the series of the same name (e.g. "FullKV run")
 * @param low   lower edge per layer
 * @param high  upper edge per layer, same length, each &gt;= low
 */
public record LayerBand(String name, double[] low, double[] high) implements CsvWritable {

    public LayerBand {
        Checks.notNull(name, "name");
        Checks.notNull(low, "low");
        Checks.notNull(high, "high");
        Checks.length(high.length, low.length, "high", "one per layer, like low");
        for (int i = 0; i < low.length; i++) {
            if (high[i] < low[i]) {
                throw new IllegalArgumentException("band '" + name + "' has high " + high[i] + " below low " + low[i]
                        + " at layer " + i);
            }
        }
    }

    /** The band between the smallest and largest of {@code values[layer][head]} in each layer. */
    public static LayerBand minMax(String name, double[][] values) {
        Checks.notNull(values, "values");
        double[] lo = new double[values.length];
        double[] hi = new double[values.length];
        for (int l = 0; l < values.length; l++) {
            lo[l] = Double.NaN;
            hi[l] = Double.NaN;
            for (double v : values[l]) {
                if (!Double.isNaN(v)) {
                    lo[l] = Double.isNaN(lo[l]) ? v : Math.min(lo[l], v);
                    hi[l] = Double.isNaN(hi[l]) ? v : Math.max(hi[l], v);
                }
            }
        }
        return new LayerBand(name, lo, hi);
    }

    /** Number of layers. */
    public int layerCount() {
        return low.length;
    }

    @Override
    public String toCsv() {
        StringBuilder sb = new StringBuilder(Csv.line("layer", "low", "high"));
        for (int l = 0; l < low.length; l++) {
            sb.append(Csv.line(Integer.toString(l), Csv.number(low[l]), Csv.number(high[l])));
        }
        return sb.toString();
    }
}
