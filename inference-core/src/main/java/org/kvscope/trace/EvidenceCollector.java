package org.kvscope.trace;

/**
 * Observer that fills an {@link AttentionEvidence} during a prefill of {@code keyCount} tokens.
 * Thread-safe for the forward pass's calling pattern (one thread per (layer, head)).
 */
public final class EvidenceCollector implements AttentionObserver {
    private final AttentionEvidence evidence;

    public EvidenceCollector(AttentionEvidence evidence) {
        this.evidence = evidence;
    }

    public AttentionEvidence evidence() { return evidence; }

    @Override
    public void onAttention(int layer, int head, int queryPosition, int[] keyPositions, float[] weights, int count) {
        if (queryPosition < evidence.keyCount()) {
            evidence.record(layer, head, queryPosition, keyPositions, weights, count);
        }
    }
}
