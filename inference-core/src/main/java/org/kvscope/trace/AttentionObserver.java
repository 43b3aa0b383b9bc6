package org.kvscope.trace;

/**
 * Sees the attention weights of every (layer, query head, query token) as the forward pass
 * computes them. When no observer is attached the forward pass skips this entirely.
 *
 * <p>Threading: calls for different heads of a layer may arrive concurrently from worker
 * threads; calls for one (layer, head) arrive in query order and one at a time (each returns
 * before the next starts, which may come from another thread: a prefill computes a head's rows
 * in ranges on several cores). The arrays are only valid during the call: copy what you keep.
 */
public interface AttentionObserver {

    /**
     * @param layer         transformer block
     * @param head          query head (its kv-head is head / groupSize)
     * @param queryPosition token position of the query
     * @param keyPositions  original positions of the visible cache slots, first {@code count} valid
     * @param weights       softmax weights over those slots, first {@code count} valid
     * @param count         number of visible slots
     */
    void onAttention(int layer, int head, int queryPosition, int[] keyPositions, float[] weights, int count);

    /**
     * Whether this observer reads the row of the query at {@code queryPosition}; the forward pass
     * skips the calls (and any copying) for rows no observer wants. Every row by default.
     */
    default boolean wants(int layer, int head, int queryPosition) { return true; }

    /**
     * {@link #onAttention(int, int, int, int[], float[], int, int)} with the weights starting at
     * {@code weightsOffset} in a forward pass's scratch, whose floats before the offset were
     * already reported. Override it to read the row in place; by default the row is moved to the
     * front of {@code weights} and passed on.
     */
    default void onAttention(int layer, int head, int queryPosition, int[] keyPositions, float[] weights,
                             int weightsOffset, int count) {
        if (weightsOffset != 0) {
            System.arraycopy(weights, weightsOffset, weights, 0, count);
        }
        onAttention(layer, head, queryPosition, keyPositions, weights, count);
    }

    /**
     * A block of {@code rows} consecutive rows of one (layer, head), as a prefill computes them together: row j is
     * the query at {@code queryPositions[from + j]}, its weights start at {@code weightsOffset + j * rowStride} in
     * {@code weights} and cover {@code firstCount + j} slots of {@code keyPositions}, followed by zeros up to
     * {@link #blockWidth}{@code (firstCount, rows)} floats ({@code rowStride} is at least that), so the rows can be
     * read as whole vectors of that width. Same contract as the per-row calls (the rows in order, only valid during
     * the call); by default each row this observer {@link #wants} is passed to
     * {@link #onAttention(int, int, int, int[], float[], int, int)} in row order. Override it to read the block's
     * rows together.
     */
    default void onAttentionBlock(int layer, int head, int[] queryPositions, int from, int rows, int[] keyPositions,
                                  float[] weights, int weightsOffset, int rowStride, int firstCount) {
        for (int j = 0; j < rows; j++) { // in row order: a row moved to the front overwrites only rows delivered
            if (wants(layer, head, queryPositions[from + j])) {
                onAttention(layer, head, queryPositions[from + j], keyPositions, weights, weightsOffset + j * rowStride,
                        firstCount + j);
            }
        }
    }

    /** {@link #blockWidth}'s multiple: the floats of the widest vector (512 bits). */
    int BLOCK_PAD = 16;

    /**
     * Floats each row of an {@link #onAttentionBlock} block holds, its own weights and then zeros: the block's last
     * row's slots, {@code firstCount + rows − 1}, rounded up to a multiple of {@link #BLOCK_PAD}.
     */
    static int blockWidth(int firstCount, int rows) {
        return (firstCount + rows - 1 + BLOCK_PAD - 1) / BLOCK_PAD * BLOCK_PAD;
    }

    /** Called before a forward pass over tokens at positions [start, start + count). */
    default void onForwardStart(int start, int count) {}

    /** Called after a forward pass completed. */
    default void onForwardEnd(int start, int count) {}
}
