package org.kvscope.engine;

import java.util.Arrays;
import org.kvscope.backend.BackendFactory;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.KvCache;
import org.kvscope.kv.KvCacheType;
import org.kvscope.model.ModelConfig;
import org.kvscope.trace.AttentionEvidence;
import org.kvscope.trace.EvidenceCollector;

/**
 * A policy's prefill of a context whose first chunks run in another session: a session without a
 * policy that prefills the same tokens from position 0 in the same chunks (analyze's capture)
 * lends its cache at the {@link #boundary()} and, through {@link #collector()}, the attention rows
 * below it that the policy's evidence asks for. {@link InferenceSession#prefill(PrefillFork)} then
 * runs only the chunks after the boundary: the same forward calls as {@link InferenceSession#prefill(int[])}
 * of the whole context, so the same cache, evidence, kept set and logits. CPU sessions with an f32
 * cache only (copies of the exact floats), and no pruning policy (PyramidInfer prefills in one call).
 */
public final class PrefillFork {
    private final int[] context;
    private final int boundary;
    private final int chunk;
    private final EvidenceCollector collector;
    private float[][] keys;   // [layer * kvHeads + kvHead][position * headDim + i], boundary positions
    private float[][] values;
    private boolean used;

    private PrefillFork(int[] context, int boundary, int chunk, EvidenceCollector collector) {
        this.context = context;
        this.boundary = boundary;
        this.chunk = chunk;
        this.collector = collector;
    }

    /**
     * A fork of {@code policy}'s prefill of {@code context} in sessions of {@code options}, or null when
     * none applies: not a CPU f32 cache, a context of one chunk or less, or a policy that prunes the
     * prefill. {@code policy} is a fresh instance used only to ask (its {@link CompressionPolicy#prefillPruner}
     * is called).
     */
    public static PrefillFork of(SessionOptions options, ModelConfig c, CompressionPolicy policy, int[] context) {
        BackendFactory backend = options.backend();
        int chunk = options.prefillChunk();
        int boundary = (context.length - 1) / chunk * chunk; // at least one token is left to prefill
        if (!backend.device().equals("cpu") || backend.cacheType() != KvCacheType.F32 || boundary == 0) {
            return null;
        }
        var probe = new CompressionPolicy.PrefillContext(c.layers(), c.heads(), c.kvHeads(), context.length,
                options.contextLength(), null, null);
        if (policy.prefillPruner(probe) != null) {
            return null;
        }
        return new PrefillFork(context.clone(), boundary, chunk, InferenceSession.collectorFor(policy, c, context.length));
    }

    /** Tokens the lending session runs before {@link #lend}: a whole number of chunks. */
    public int boundary() { return boundary; }

    /** The context the policy's session prefills. */
    int[] context() { return context; }

    /** Tokens per forward call both sessions use. */
    int chunk() { return chunk; }

    /** Gathers the policy's evidence; the lending session observes with it until the boundary (null: none needed). */
    public EvidenceCollector collector() { return collector; }

    /**
     * Takes the lending session's cache once it has prefilled the boundary's tokens.
     *
     * @throws IllegalStateException when the session is not at the boundary, has a policy, runs other chunks,
     *                               or prefilled other tokens
     */
    public void lend(InferenceSession s, int[] prompt) {
        if (s.position() != boundary || s.policy() != null || s.prefillChunk() != chunk || prompt.length < boundary
                || !Arrays.equals(prompt, 0, boundary, context, 0, boundary)) {
            throw new IllegalStateException("a prefill fork takes the cache of a session without a policy that prefilled"
                    + " the context's first " + boundary + " tokens in chunks of " + chunk);
        }
        KvCache cache = s.cache();
        int kvHeads = cache.kvHeads(), hd = cache.headDim();
        keys = new float[cache.layers() * kvHeads][boundary * hd];
        values = new float[cache.layers() * kvHeads][boundary * hd];
        for (int l = 0; l < cache.layers(); l++) {
            for (int h = 0; h < kvHeads; h++) {
                if (cache.size(l, h) != boundary) {
                    throw new IllegalStateException("layer " + l + " kv-head " + h + " holds " + cache.size(l, h)
                            + " positions, not " + boundary);
                }
                cache.readKeys(l, h, 0, boundary, keys[l * kvHeads + h], 0);
                cache.readValues(l, h, 0, boundary, values[l * kvHeads + h], 0);
            }
        }
    }

    /** Appends the lent positions to an empty f32 cache (once: the evidence goes on with the policy's session). */
    void restore(KvCache cache) {
        if (keys == null || used) {
            throw new IllegalStateException(keys == null ? "no session lent its cache to this prefill fork"
                    : "a prefill fork continues once");
        }
        used = true;
        int kvHeads = cache.kvHeads(), hd = cache.headDim();
        float[] k = new float[kvHeads * hd], v = new float[kvHeads * hd];
        for (int l = 0; l < cache.layers(); l++) {
            for (int p = 0; p < boundary; p++) {
                for (int h = 0; h < kvHeads; h++) {
                    System.arraycopy(keys[l * kvHeads + h], p * hd, k, h * hd, hd);
                    System.arraycopy(values[l * kvHeads + h], p * hd, v, h * hd, hd);
                }
                cache.append(l, p, k, 0, v, 0);
            }
        }
        keys = null;
        values = null;
    }

    /** The evidence gathered so far (null when the policy needs none). */
    AttentionEvidence evidence() { return collector == null ? null : collector.evidence(); }
}
