package org.kvscope.trace;

/**
 * Full prefill attention maps of every (layer, head) downsampled to at most
 * {@code resolution × resolution} cells: cell (i, j) holds the maximum weight of any query in row
 * bin i on any key in column bin j (max-pooling keeps sharp sinks visible). Memory:
 * {@code layers × heads × resolution²} floats.
 */
public final class AttentionMaps {
    private final int layers, heads, tokens, size;
    private final float[][] cells;
    /** {@link #bin} of every position below {@code tokens}: a look-up per attention weight instead of a division. */
    private final int[] bins;

    public AttentionMaps(int layers, int heads, int tokens, int resolution) {
        this.layers = layers;
        this.heads = heads;
        this.tokens = tokens;
        this.size = Math.max(1, Math.min(tokens, resolution));
        cells = new float[layers * heads][size * size];
        bins = new int[Math.max(0, tokens)];
        for (int p = 0; p < bins.length; p++) {
            bins[p] = bin(p);
        }
    }

    /** Cells per side. */
    public int size() { return size; }

    /** Tokens covered (queries and keys 0..tokens-1). */
    public int tokens() { return tokens; }

    public int layers() { return layers; }

    public int heads() { return heads; }

    /** Bin of a position. */
    public int bin(int position) {
        return (int) ((long) position * size / tokens);
    }

    /** Row-major size×size cells of one (layer, head). Live array. */
    public float[] map(int layer, int head) {
        return cells[layer * heads + head];
    }

    void add(int layer, int head, int queryPosition, int[] keyPositions, float[] weights, int count) {
        if (queryPosition >= tokens) {
            return;
        }
        float[] m = cells[layer * heads + head];
        int rowBase = bins[queryPosition] * size;
        for (int s = 0; s < count; s++) {
            int p = keyPositions[s];
            if (p < tokens) {
                int c = rowBase + bins[p];
                if (weights[s] > m[c]) {
                    m[c] = weights[s];
                }
            }
        }
    }
}
