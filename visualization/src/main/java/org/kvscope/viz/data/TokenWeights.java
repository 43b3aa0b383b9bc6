package org.kvscope.viz.data;

import java.util.List;

/**
 * A prompt as a run of tokens, each with a weight to colour it by (e.g. the attention a focused
 * token pays to it or receives from it) and the share of heads that keep it under policies A and B.
 *
 * @param tokens  token texts
 * @param weights one per token, ≥ 0 (NaN where undefined), or null for no background colour
 * @param focus   the focused token's position, or -1
 * @param keptA   share in [0, 1] of the heads in scope that keep each token under A, or null
 * @param keptB   the same under B, or null
 * @param caption what the colours mean
 */
public record TokenWeights(List<String> tokens, double[] weights, int focus, double[] keptA, double[] keptB,
                           String caption) implements CsvWritable {

    public TokenWeights {
        tokens = Checks.copyOf(tokens, "tokens");
        for (double[] a : new double[][] {weights, keptA, keptB}) {
            if (a != null) {
                Checks.length(a.length, tokens.size(), "weights and kept shares", "one per token");
            }
        }
        if (focus < -1 || focus >= tokens.size()) {
            throw new IllegalArgumentException("focus must be -1 or 0.." + (tokens.size() - 1) + ", was " + focus);
        }
        caption = caption == null ? "" : caption;
    }

    public int size() { return tokens.size(); }

    @Override
    public String toCsv() {
        StringBuilder sb = new StringBuilder(Csv.line("position", "token", "weight", "kept_a", "kept_b"));
        for (int i = 0; i < tokens.size(); i++) {
            sb.append(Csv.line(Integer.toString(i), Csv.text(tokens.get(i)), weights == null ? "" : Csv.number(weights[i]),
                    keptA == null ? "" : Csv.number(keptA[i]), keptB == null ? "" : Csv.number(keptB[i])));
        }
        return sb.toString();
    }
}
