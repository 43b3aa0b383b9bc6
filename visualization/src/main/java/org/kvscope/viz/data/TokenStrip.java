package org.kvscope.viz.data;

import java.util.List;

/**
 * A run of tokens: piece text, vocabulary id and optionally the negative log-likelihood of each.
 *
 * @param pieces token texts
 * @param ids    token ids, one per piece
 * @param nll    per-token NLL in nats (NaN where unknown), or null when not scored
 */
public record TokenStrip(List<String> pieces, int[] ids, double[] nll) implements CsvWritable {

    public TokenStrip {
        pieces = Checks.copyOf(pieces, "pieces");
        Checks.notNull(ids, "ids");
        Checks.length(ids.length, pieces.size(), "ids", "one per piece");
        if (nll != null) {
            Checks.length(nll.length, pieces.size(), "nll", "one per piece");
        }
    }

    /** Number of tokens. */
    public int size() {
        return pieces.size();
    }

    @Override
    public String toCsv() {
        StringBuilder sb = new StringBuilder(Csv.line("position", "piece", "id", "nll"));
        for (int i = 0; i < pieces.size(); i++) {
            sb.append(Csv.line(Integer.toString(i), Csv.text(pieces.get(i)), Integer.toString(ids[i]),
                    nll == null ? "" : Csv.number(nll[i])));
        }
        return sb.toString();
    }
}
