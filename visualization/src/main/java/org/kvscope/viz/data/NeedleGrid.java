package org.kvscope.viz.data;

/**
 * Needle-in-a-haystack results: one cell per (depth, context length).
 *
 * @param lengths context lengths in tokens (columns)
 * @param depths  needle depths as fractions 0..1 of the context (rows)
 * @param values  {@code values[depthIndex][lengthIndex]}, e.g. answer log-probability; NaN = not run
 * @param success {@code success[depthIndex][lengthIndex]}, or null when only values are known
 * @param title   chart title
 * @param counts  {@code counts[depthIndex][lengthIndex]}: cases behind each cell (shown as n), or null
 */
public record NeedleGrid(int[] lengths, double[] depths, double[][] values, boolean[][] success, String title,
                         int[][] counts) implements CsvWritable {

    /** A grid without per-cell case counts. */
    public NeedleGrid(int[] lengths, double[] depths, double[][] values, boolean[][] success, String title) {
        this(lengths, depths, values, success, title, null);
    }

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
        if (counts != null) {
            Checks.length(counts.length, depths.length, "counts", "one row per depth");
            for (int d = 0; d < depths.length; d++) {
                Checks.notNull(counts[d], "counts[" + d + "]");
                Checks.length(counts[d].length, lengths.length, "counts[" + d + "]", "one entry per length");
            }
        }
        if (success != null) {
            Checks.length(success.length, depths.length, "success", "one row per depth");
            for (int d = 0; d < depths.length; d++) {
                Checks.notNull(success[d], "success[" + d + "]");
                Checks.length(success[d].length, lengths.length, "success[" + d + "]", "one entry per length");
            }
        }
    }

    /** Cases behind a cell, or -1 when counts are unknown. */
    public int count(int depthIndex, int lengthIndex) {
        return counts == null ? -1 : counts[depthIndex][lengthIndex];
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
        StringBuilder sb = new StringBuilder(Csv.line("length", "depth", "value", "success", "n"));
        for (int d = 0; d < depths.length; d++) {
            for (int l = 0; l < lengths.length; l++) {
                sb.append(Csv.line(Integer.toString(lengths[l]), Csv.number(depths[d]), Csv.number(values[d][l]),
                        success == null ? "" : Boolean.toString(success[d][l]),
                        counts == null ? "" : Integer.toString(counts[d][l])));
            }
        }
        return sb.toString();
    }
}
