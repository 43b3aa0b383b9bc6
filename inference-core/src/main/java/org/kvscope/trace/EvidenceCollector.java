package org.kvscope.trace;

/**
 * Observer that fills an {@link AttentionEvidence} during a prefill of {@code keyCount} tokens.
 * Thread-safe for the forward pass's calling pattern (one call at a time per (layer, head), in query order).
 */
public final class EvidenceCollector implements AttentionObserver {
    private final AttentionEvidence evidence;

    public EvidenceCollector(AttentionEvidence evidence) {
        this.evidence = evidence;
    }

    public AttentionEvidence evidence() { return evidence; }

    /** The window's rows, and every prompt row when the evidence accumulates attention. */
    @Override
    public boolean wants(int layer, int head, int queryPosition) {
        return queryPosition < evidence.keyCount()
                && (evidence.hasAccumulated() || queryPosition >= evidence.firstWindowQuery());
    }

    @Override
    public void onAttention(int layer, int head, int queryPosition, int[] keyPositions, float[] weights, int count) {
        onAttention(layer, head, queryPosition, keyPositions, weights, 0, count);
    }

    /** Reads the row in place (no copy of the forward pass's scratch). */
    @Override
    public void onAttention(int layer, int head, int queryPosition, int[] keyPositions, float[] weights,
                            int weightsOffset, int count) {
        if (queryPosition < evidence.keyCount()) {
            evidence.record(layer, head, queryPosition, keyPositions, weights, weightsOffset, count);
        }
    }

    /** A block of rows before the window adds to the accumulated attention in one pass; any other, row by row. */
    @Override
    public void onAttentionBlock(int layer, int head, int[] queryPositions, int from, int rows, int[] keyPositions,
                                 float[] weights, int weightsOffset, int rowStride, int firstCount) {
        if (!evidence.recordBlock(layer, head, queryPositions, from, rows, keyPositions, weights, weightsOffset,
                rowStride, firstCount)) {
            AttentionObserver.super.onAttentionBlock(layer, head, queryPositions, from, rows, keyPositions, weights,
                    weightsOffset, rowStride, firstCount);
        }
    }
}
