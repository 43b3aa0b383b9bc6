package org.kvscope.viz.data;

/**
 * Mean attention each layer pays to each key position (averaged over heads and the queries that can see the key):
 * the PyramidKV figure, broad in lower layers and concentrated in upper layers. NaN marks a key without a value.
 *
 * @param rows         {@code rows[layer][column]}, every row the same length
 * @param keyPositions sequence position of each column
 */
public record MeanAttentionRows(double[][] rows, int[] keyPositions) implements CsvWritable {

    public MeanAttentionRows {
        Checks.notNull(rows, "rows");
        Checks.notNull(keyPositions, "keyPositions");
        if (rows.length == 0) {
            throw new IllegalArgumentException("rows must hold at least one layer");
        }
        for (int l = 0; l < rows.length; l++) {
            Checks.notNull(rows[l], "rows[" + l + "]");
            Checks.length(rows[l].length, keyPositions.length, "rows[" + l + "]", "one value per key position");
        }
    }

    /** Number of layers. */
    public int layers() {
        return rows.length;
    }

    /** Number of key columns. */
    public int keys() {
        return keyPositions.length;
    }

    /** Largest value of one layer's row (0 when it has none). */
    public double rowMax(int layer) {
        double m = 0;
        for (double v : rows[layer]) {
            if (v > m) {
                m = v;
            }
        }
        return m;
    }

    @Override
    public String toCsv() {
        StringBuilder sb = new StringBuilder(Csv.line("layer", "key_position", "mean_attention"));
        for (int l = 0; l < rows.length; l++) {
            for (int k = 0; k < keyPositions.length; k++) {
                sb.append(Csv.line(Integer.toString(l), Integer.toString(keyPositions[k]), Csv.number(rows[l][k])));
            }
        }
        return sb.toString();
    }
}
