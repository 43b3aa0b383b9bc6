package org.kvscope.kv;

import java.util.List;
import org.kvscope.trace.AttentionEvidence;

/**
 * A KV-cache compression policy: which cached positions to keep, per layer and kv-head, and
 * when to act (after prefill and/or during decoding). One small class per idea; each declares
 * its parameters so the UI and CLI build controls from them. Instances are configured (and may
 * hold decode-time state), so create one per session via {@link PolicyRegistry}.
 */
public abstract class CompressionPolicy {
    protected final PolicyParameters params;

    protected CompressionPolicy(PolicyParameters params) {
        this.params = params;
    }

    /** Registry name, e.g. "snapkv". */
    public abstract String name();

    /** The parameters and values this instance was configured with. */
    public PolicyParameters parameters() { return params; }

    /** Final prompt queries whose exact attention rows the policy needs after prefill (0 = none). */
    public int evidenceWindow() { return 0; }

    /** True when the policy scores by attention accumulated over every prefill query. */
    public boolean needsAccumulatedAttention() { return false; }

    /**
     * Checks the configuration against a session's context length.
     *
     * @throws IllegalArgumentException naming the parameter and its valid range
     */
    public void validateFor(int contextLength) {}

    /**
     * Positions to keep after a prefill of {@code ctx.promptLength()} tokens, or null to keep
     * everything.
     */
    public abstract KeptPositions selectAfterPrefill(PrefillContext ctx);

    /** True when {@link #onDecodeStep} wants the attention rows of each decode query. */
    public boolean needsDecodeAttention() { return false; }

    /**
     * Called after each decode step; returns per (layer, kv-head) positions to keep, with null
     * entries for heads left unchanged, or null for no change at all.
     */
    public int[][][] onDecodeStep(DecodeContext ctx) { return null; }

    /** Prefill-time token pruning across layers (PyramidInfer); null for none. */
    public PrefillPruner prefillPruner(PrefillContext ctx) { return null; }

    /**
     * What a policy sees after prefill.
     *
     * @param evidence attention rows of the final {@link #evidenceWindow()} queries and the
     *                 accumulated attention of all queries (null when the policy needs none)
     */
    public record PrefillContext(int layers, int heads, int kvHeads, int promptLength, int contextLength,
                                 AttentionEvidence evidence) {
        public int groupSize() { return heads / kvHeads; }
    }

    /**
     * What a policy sees after a decode step.
     *
     * @param position    position of the token just decoded
     * @param cache       the cache after the step (read-only use)
     * @param lastWeights per [layer][query head] the step's attention weights over the slots of
     *                    its kv-head, in slot order (null unless {@link #needsDecodeAttention()})
     */
    public record DecodeContext(int position, KvCache cache, float[][][] lastWeights, int heads) {
        public int groupSize() { return heads / cache.kvHeads(); }
    }

    /** Common shape of declared parameter lists. */
    protected static List<ParameterSpec> concat(List<ParameterSpec> a, List<ParameterSpec> b) {
        var out = new java.util.ArrayList<>(a);
        out.addAll(b);
        return List.copyOf(out);
    }
}
