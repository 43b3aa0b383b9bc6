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
}
