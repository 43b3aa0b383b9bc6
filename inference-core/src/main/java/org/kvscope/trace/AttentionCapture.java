package org.kvscope.trace;

/**
 * Captures a run's attention with bounded memory: the policy evidence (exact rows of the last
 * {@code window} prompt queries plus accumulated attention), the full prefill maps downsampled
 * to a display resolution, per-(layer, head) funnelling statistics computed as the pass runs, and
 * exact rows of the first {@code decodeSteps} decoded tokens.
 *
 * <p>Memory bound, in floats, for L layers, H query heads, prompt length n, window w,
 * resolution r and s decode steps: {@code L·H·(w + 1)·n + L·H·r² + s·L·H·(n + s)}, plus
 * O(L·H·log n) for the statistics; independent of anything else the run does.
 */
public final class AttentionCapture implements AttentionObserver {
    private final CaptureOptions options;
    private final int promptLength;
    private final AttentionEvidence evidence;
    private final AttentionMaps maps;
    private final FunnellingStats funnelling;
    private final DecodeAttention decode;

    public AttentionCapture(int layers, int heads, int kvHeads, int promptLength, CaptureOptions options) {
        this.options = options;
        this.promptLength = promptLength;
        evidence = new AttentionEvidence(layers, heads, kvHeads, promptLength, options.window());
        maps = new AttentionMaps(layers, heads, promptLength, options.mapResolution());
        funnelling = new FunnellingStats(layers, heads, options.sinks(), promptLength + options.decodeSteps());
        decode = new DecodeAttention(layers, heads, promptLength, options.decodeSteps());
    }

    public CaptureOptions options() { return options; }

    public int promptLength() { return promptLength; }

    public AttentionEvidence evidence() { return evidence; }

    public AttentionMaps maps() { return maps; }

    /** Statistics over the prompt's queries. */
    public FunnellingStats funnelling() { return funnelling; }

    public DecodeAttention decode() { return decode; }

    /** Upper bound of the floats this capture holds. */
    public long floatBound() {
        long l = evidence.layers(), h = evidence.heads(), n = promptLength;
        long s = options.decodeSteps();
        return l * h * (evidence.window() + 1) * n + l * h * (long) maps.size() * maps.size() + s * l * h * (n + s);
    }

    @Override
    public void onAttention(int layer, int head, int queryPosition, int[] keyPositions, float[] weights, int count) {
        if (queryPosition < promptLength) {
            evidence.record(layer, head, queryPosition, keyPositions, weights, count);
            maps.add(layer, head, queryPosition, keyPositions, weights, count);
            funnelling.add(layer, head, queryPosition, keyPositions, weights, count);
        } else {
            decode.add(layer, head, queryPosition, keyPositions, weights, count);
        }
    }
}
