package org.kvscope.viz.data;

import java.util.List;

/**
 * When cache positions were evicted while a policy generated: row 0 is the cache after prefill,
 * row s+1 the cache after generated token s; columns are positions (prompt, then generated).
 *
 * @param promptLength   prompt positions (the first columns)
 * @param held           [row][position] share of the heads in scope holding the position after
 *                       that row (NaN where the position did not exist yet)
 * @param evicted        [row][position] share of the heads in scope that evicted it at that row
 * @param rowLabels      one per row (e.g. "prefill", then each generated token)
 * @param positionLabels one per position (token texts)
 * @param scope          what the shares are over (e.g. "layer 2, kv-head 0")
 */
public record EvictionGrid(int promptLength, double[][] held, double[][] evicted, List<String> rowLabels,
                           List<String> positionLabels, String scope) implements CsvWritable {

    public EvictionGrid {
        rowLabels = Checks.copyOf(rowLabels, "rowLabels");
        positionLabels = Checks.copyOf(positionLabels, "positionLabels");
        Checks.length(held.length, rowLabels.size(), "held", "one row per row label");
        Checks.length(evicted.length, rowLabels.size(), "evicted", "one row per row label");
        for (int r = 0; r < held.length; r++) {
            Checks.length(held[r].length, positionLabels.size(), "held[" + r + "]", "one per position");
            Checks.length(evicted[r].length, positionLabels.size(), "evicted[" + r + "]", "one per position");
        }
    }

    public int rows() { return rowLabels.size(); }

    public int positions() { return positionLabels.size(); }

    /** Positions evicted (by any head in scope) at a row. */
    public int evictedCount(int row) {
        int n = 0;
        for (double v : evicted[row]) {
            n += v > 0 ? 1 : 0;
        }
        return n;
    }

    @Override
    public String toCsv() {
        StringBuilder sb = new StringBuilder(Csv.line("row", "row_label", "position", "token", "held", "evicted_now"));
        for (int r = 0; r < rows(); r++) {
            for (int p = 0; p < positions(); p++) {
                if (evicted[r][p] > 0) {
                    sb.append(Csv.line(Integer.toString(r), Csv.text(rowLabels.get(r)), Integer.toString(p),
                            Csv.text(positionLabels.get(p)), Csv.number(held[r][p]), Csv.number(evicted[r][p])));
                }
            }
        }
        return sb.toString();
    }
}
