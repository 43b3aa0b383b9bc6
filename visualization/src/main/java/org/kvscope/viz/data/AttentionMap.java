package org.kvscope.viz.data;

import java.util.ArrayList;
import java.util.List;

/**
 * Attention weights of one head (or a head average) for a block of queries over a block of keys.
 *
 * <p>{@code weights} is row-major {@code [query][key]}; {@code NaN} marks a cell that was not computed or is
 * masked. A cell whose key position is greater than its query position is causally masked and drawn empty,
 * whatever its stored value. Arrays are not copied (maps can be large and are handed over for display);
 * callers must not mutate them after construction.
 *
 * @param queryCount     number of query rows, &gt; 0
 * @param keyCount       number of key columns, &gt; 0
 * @param weights        row-major weights, length {@code queryCount * keyCount}
 * @param queryPositions sequence position of each query row
 * @param keyPositions   sequence position of each key column
 * @param queryTokens    token text of each query row
 * @param keyTokens      token text of each key column
 */
public record AttentionMap(int queryCount, int keyCount, float[] weights, int[] queryPositions, int[] keyPositions,
                           List<String> queryTokens, List<String> keyTokens) implements CsvWritable {

    public AttentionMap {
        Checks.positive(queryCount, "queryCount");
        Checks.positive(keyCount, "keyCount");
        Checks.notNull(weights, "weights");
        Checks.length(weights.length, queryCount * keyCount, "weights", "queryCount * keyCount, row-major [query][key]");
        Checks.notNull(queryPositions, "queryPositions");
        Checks.length(queryPositions.length, queryCount, "queryPositions", "one per query");
        Checks.notNull(keyPositions, "keyPositions");
        Checks.length(keyPositions.length, keyCount, "keyPositions", "one per key");
        queryTokens = Checks.copyOf(queryTokens, "queryTokens");
        Checks.length(queryTokens.size(), queryCount, "queryTokens", "one per query");
        keyTokens = Checks.copyOf(keyTokens, "keyTokens");
        Checks.length(keyTokens.size(), keyCount, "keyTokens", "one per key");
    }

    /**
     * Self-attention over one sequence: queries and keys are the same tokens at positions 0..n-1.
     *
     * @param weights row-major {@code n * n} weights
     * @param tokens  the n token texts
     */
    public static AttentionMap selfAttention(float[] weights, List<String> tokens) {
        Checks.notNull(tokens, "tokens");
        int n = tokens.size();
        if (n == 0) {
            throw new IllegalArgumentException("tokens must not be empty");
        }
        int[] positions = new int[n];
        for (int i = 0; i < n; i++) {
            positions[i] = i;
        }
        return new AttentionMap(n, n, weights, positions, positions.clone(), tokens, tokens);
    }

    /** Weight at a query row and key column (may be NaN). */
    public float weight(int query, int key) {
        return weights[query * keyCount + key];
    }

    /** True when the key lies after the query in the sequence, so the causal mask hides it. */
    public boolean isCausallyMasked(int query, int key) {
        return keyPositions[key] > queryPositions[query];
    }

    /** One line per cell that is neither causally masked nor NaN: positions, tokens and weight. */
    @Override
    public String toCsv() {
        StringBuilder sb = new StringBuilder(Csv.line("query_position", "query_token", "key_position", "key_token",
                "weight"));
        for (int q = 0; q < queryCount; q++) {
            for (int k = 0; k < keyCount; k++) {
                float w = weight(q, k);
                if (isCausallyMasked(q, k) || Float.isNaN(w)) {
                    continue;
                }
                sb.append(Csv.line(Integer.toString(queryPositions[q]), Csv.text(queryTokens.get(q)),
                        Integer.toString(keyPositions[k]), Csv.text(keyTokens.get(k)), Csv.number(w)));
            }
        }
        return sb.toString();
    }

    /** Token list "t0".."t(n-1)", handy when only weights are known. */
    public static List<String> placeholderTokens(int n) {
        List<String> tokens = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            tokens.add("t" + i);
        }
        return tokens;
    }
}
