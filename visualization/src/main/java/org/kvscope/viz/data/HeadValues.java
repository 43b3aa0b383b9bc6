package org.kvscope.viz.data;

/**
 * One value per attention head, e.g. each head's attention entropy. NaN marks a head without a value.
 *
 * @param metric name of the value (the axis label)
 * @param values {@code values[layer][head]}, every layer the same number of heads
 */
public record HeadValues(String metric, double[][] values) implements CsvWritable {

    public HeadValues {
        Checks.notNull(metric, "metric");
        Checks.notNull(values, "values");
        if (values.length == 0) {
            throw new IllegalArgumentException("values must hold at least one layer");
        }
        for (int l = 0; l < values.length; l++) {
            Checks.notNull(values[l], "values[" + l + "]");
            Checks.length(values[l].length, values[0].length, "values[" + l + "]", "the head count of layer 0");
        }
    }

    /** Number of layers. */
    public int layers() {
        return values.length;
    }

    /** Heads per layer. */
    public int heads() {
        return values[0].length;
    }

    @Override
    public String toCsv() {
        StringBuilder sb = new StringBuilder(Csv.line("layer", "head", Csv.text(metric)));
        for (int l = 0; l < values.length; l++) {
            for (int h = 0; h < values[l].length; h++) {
                sb.append(Csv.line(Integer.toString(l), Integer.toString(h), Csv.number(values[l][h])));
            }
        }
        return sb.toString();
    }
}
