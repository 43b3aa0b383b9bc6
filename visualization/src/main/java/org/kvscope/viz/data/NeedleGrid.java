package org.kvscope.viz.data;

/**
 * Needle-in-a-haystack results: one cell per (depth, context length).
 *
 * @param lengths context lengths in tokens (columns)
 * @param depths  needle depths as fractions 0..1 of the context (rows)
 * @param values  {@code values[depthIndex][lengthIndex]}, e.g. answer log-probability; NaN = not run
 * @param success {@code success[depthIndex][lengthIndex]}, or null when only values are known
 * @param title   chart title
 */
public record NeedleGrid(int[] lengths, double[] depths, double[][] values, boolean[][] success, String title)
        implements CsvWritable {

    public NeedleGrid {
        Checks.notNull(lengths, "lengths");
        Checks.notNull(depths, "depths");
        Checks.notNull(values, "values");
        Checks.notNull(title, "title");
        if (lengths.length == 0 || depths.length == 0) {
            throw new IllegalArgumentException("lengths and depths must not be empty");
        }
        Checks.length(values.length, depths.length, "values", "one row per depth");
        for (int d = 0; d < depths.length; d++) {
            Checks.notNull(values[d], "values[" + d + "]");
            Checks.length(values[d].length, lengths.length, "values[" + d + "]", "one entry per length");
        }
        if (success != null) {
            Checks.length(success.length, depths.length, "success", "one row per depth");
            for (int d = 0; d < depths.length; d++) {
                Checks.notNull(success[d], "success[" + d + "]");
                Checks.length(success[d].length, lengths.length, "success[" + d + "]", "one entry per length");
            }
        }
    }

    /** Fraction of successful cells, or NaN when success is unknown. */
    public double successRate() {
        if (success == null) {
            return Double.NaN;
        }
        int ok = 0;
        for (boolean[] row : success) {
            for (boolean b : row) {
                if (b) {
                    ok++;
                }
            }
        }
        return ok / (double) (lengths.length * depths.length);
    }

    @Override
    public String toCsv() {
        StringBuilder sb = new StringBuilder(Csv.line("length", "depth", "value", "success"));
        for (int d = 0; d < depths.length; d++) {
            for (int l = 0; l < lengths.length; l++) {
                sb.append(Csv.line(Integer.toString(lengths[l]), Csv.number(depths[d]), Csv.number(values[d][l]),
                        success == null ? "" : Boolean.toString(success[d][l])));
            }
        }
        return sb.toString();
    }
}
