package org.kvscope.kv;

import java.util.List;
import java.util.Map;
import org.kvscope.trace.AttentionEvidence;
import org.kvscope.trace.WindowScoring;

/**
 * A KV-cache compression policy: which cached positions to keep, per layer and kv-head, and
 * when to act (after prefill and/or during decoding). One small class per idea; each declares
 * its parameters so the UI and CLI build controls from them. Instances are configured (and may
 * hold decode-time state), so create one per session via {@link PolicyRegistry}.
 *
 * <p>This is also the class a plugin extends (see {@link org.kvscope.kv.spi.PolicyProvider}):
 * override {@link #name()} and {@link #selectAfterPrefill}, and, to act while decoding,
 * {@link #onDecodeStep}. Ask for what you score from: {@link #evidenceWindow()} exact attention
 * rows of the last prompt queries, {@link #needsAccumulatedAttention()} the attention summed
 * over every prompt query, {@link PrefillContext#keys} the prompt's keys. {@link ScoredPolicy}
 * does the rest for "score every position, keep the best within the budget" policies. Callers
 * go through {@link #checkedSelectAfterPrefill} and {@link #checkedDecodeStep}, which check
 * every returned set.
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
     * True when the policy scores by the moments of its window rows (each row's entropy term, each
     * key's sums of weights and squares: {@link AttentionEvidence#windowEntropy}): the evidence adds
     * them up as the rows arrive during the prefill, so the selection only reads them.
     */
    public boolean needsWindowMoments() { return false; }

    /**
     * True when the policy scores by key norms: the cache then records each key's {@link KeyNorms}
     * as the prefill writes it ({@link KvCache#recordKeyNorms}), so the selection reads them.
     */
    public boolean needsKeyNorms() { return false; }

    /**
     * True when the policy scores by KVzip's context reconstruction: after the prefill the engine
     * feeds a repeat prompt and the prompt again, and attaches the most attention each position
     * received ({@link AttentionEvidence#reconstruction}). An extra forward pass over the prompt.
     */
    public boolean needsContextReconstruction() { return false; }

    /**
     * True when the policy needs the model's per-head retrieval scores
     * ({@link AttentionEvidence#retrievalScores}), measured once per model on a needle suite.
     */
    public boolean needsRetrievalScores() { return false; }

    /**
     * Scores from the window rows that the evidence computes during the prefill, each group's as soon as its
     * heads' last window row is recorded ({@link AttentionEvidence#windowScores}), for the selection to read
     * instead of pooling and combining the window sums itself; null (the default) for none.
     */
    public WindowScoring windowScoring() { return null; }

    /**
     * True when the engine may compile this policy's selection before the first long prefill that uses it
     * in a JVM: it then runs a few hundred selections of separate instances made by the registry
     * ({@link PolicyRegistry#create} with this policy's name, its choices and small budgets) on a small
     * synthetic context, before the forward pass, so that the real selection after the prefill runs
     * compiled (docs/BENCHMARKS.md, issue 15). True for the built-in policies; a plugin's opts in by
     * answering true, which says that its selection depends on nothing but its parameters and the
     * context it is given, and has no effect outside its instance.
     */
    public boolean warmsUpSelection() {
        return !PolicyRegistry.entry(name()).isPlugin();
    }

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

    /**
     * False when the cache stays as {@link #selectAfterPrefill} left it while decoding:
     * {@link #onDecodeStep} never returns a change. The engine may then teacher-force a
     * continuation in one prefill over the compressed cache instead of one decode step per token
     * (the same attention; perplexity equal up to float rounding). True by default, so a policy
     * that evicts while decoding is always stepped; a subclass that overrides {@link #onDecodeStep}
     * of a class answering false must answer true again.
     */
    public boolean actsDuringDecode() { return true; }

    /**
     * The windows {@link #onDecodeStep} holds each (layer, kv-head) to, when all it does while
     * decoding is keep a head's first sinks and most recent entries ({@link DecodeWindows}), as of the
     * last {@link #selectAfterPrefill}: the engine may then teacher-force a continuation in prefill
     * chunks with a sink + sliding-window attention mask instead of one decode step per token (the same
     * attention; perplexity equal up to float rounding). Null by default (stepped); a subclass that
     * overrides {@link #onDecodeStep} of a class answering non-null must answer null again.
     */
    public DecodeWindows decodeWindows(int layers, int kvHeads) { return null; }

    /** Prefill-time token pruning across layers (PyramidInfer); null for none. */
    public PrefillPruner prefillPruner(PrefillContext ctx) { return null; }

    /**
     * Called before each prefill whose selection will see {@code ctx} (its shape, prompt length and cache), after
     * {@link #prefillPruner}: a policy may size the buffers its {@link #selectAfterPrefill} reuses here, so that the
     * selection itself allocates next to nothing (a fresh JVM's first selection otherwise risks a young collection
     * inside it; docs/BENCHMARKS.md, issue 15). Nothing by default.
     */
    public void prepareSelection(PrefillContext ctx) {}

    /**
     * The most KV entries, summed over layers and kv-heads, that a kept set after prefill may
     * hold: layers × kv-heads × the average budget (its {@code budget} or {@code budget-ratio}
     * parameter, when declared), capped by the prompt length.
     */
    public long keptEntryLimit(PrefillContext ctx) {
        return (long) ctx.layers() * ctx.kvHeads() * averageEntries(ctx.promptLength());
    }

    /**
     * KV entries per kv-head each layer keeps after a prefill of {@code ctx.promptLength()} tokens,
     * bottom layer first, for charts of the budget's split across layers. By default the average
     * budget ({@code budget} or {@code budget-ratio}, when declared; else the whole prompt) in every
     * layer; a policy or schedule that splits it unevenly overrides this. The context's evidence
     * may be null (no prompt captured yet): answer without it then.
     */
    public int[] layerBudgets(PrefillContext ctx) {
        int[] out = new int[ctx.layers()];
        java.util.Arrays.fill(out, averageEntries(ctx.promptLength()));
        return out;
    }

    private int averageEntries(int n) {
        Map<String, Object> p = params.asMap();
        int perHead = n;
        if (p.get(BudgetParameters.BUDGET) instanceof Integer) {
            perHead = p.get(BudgetParameters.RATIO) instanceof Double
                    ? BudgetParameters.average(params, n) : params.getInt(BudgetParameters.BUDGET);
        }
        return Math.min(n, perHead);
    }

    /**
     * {@link #selectAfterPrefill}, checked: every list strictly increasing, within the prompt,
     * one per layer and kv-head, and no more entries in all than {@link #keptEntryLimit}.
     *
     * @throws IllegalStateException naming the policy (and its plugin) when the policy throws or
     *                               returns an invalid set; nothing has been applied then
     */
    public final KeptPositions checkedSelectAfterPrefill(PrefillContext ctx) {
        KeptPositions kept;
        try {
            kept = selectAfterPrefill(ctx);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw PolicyRegistry.describe(name()).contains("(plugin ")
                    ? PolicyRegistry.failure(name(), "in selectAfterPrefill", e) : e;
        } catch (RuntimeException | LinkageError e) {
            throw PolicyRegistry.failure(name(), "in selectAfterPrefill", e);
        }
        if (kept != null) {
            KeptSetCheck.afterPrefill(this, ctx, kept);
        }
        return kept;
    }

    /**
     * {@link #onDecodeStep}, checked: per (layer, kv-head) null or a strictly increasing subset
     * of the positions the cache holds.
     *
     * @throws IllegalStateException naming the policy (and its plugin), before anything is applied
     */
    public final int[][][] checkedDecodeStep(DecodeContext ctx) {
        int[][][] kept;
        try {
            kept = onDecodeStep(ctx);
        } catch (RuntimeException | LinkageError e) {
            throw PolicyRegistry.failure(name(), "in onDecodeStep", e);
        }
        if (kept != null) {
            KeptSetCheck.afterDecode(this, ctx, kept);
        }
        return kept;
    }

    /**
     * What a policy sees after prefill.
     *
     * @param evidence attention rows of the final {@link #evidenceWindow()} queries and the
     *                 accumulated attention of all queries (null when the policy needs none)
     * @param cache    the session's cache after the prefill (null when the policy is evaluated
     *                 from a captured run); read it, never change it
     */
    public record PrefillContext(int layers, int heads, int kvHeads, int promptLength, int contextLength,
                                 AttentionEvidence evidence, KvCache cache) {
        /** A context without a cache (evaluation from captured evidence). */
        public PrefillContext(int layers, int heads, int kvHeads, int promptLength, int contextLength,
                              AttentionEvidence evidence) {
            this(layers, heads, kvHeads, promptLength, contextLength, evidence, null);
        }

        public int groupSize() { return heads / kvHeads; }

        /** True when {@link #keys} can answer (from the cache or keys recorded in the evidence). */
        public boolean hasKeys() {
            return cache != null || evidence != null && evidence.hasKeys();
        }

        /** Length of one key vector. */
        public int headDim() {
            return cache != null ? cache.headDim() : evidence != null && evidence.hasKeys() ? evidence.headDim() : 0;
        }

        /**
         * The keys (after RoPE) of prompt positions {@code 0..promptLength-1} for one layer and
         * kv-head, position-major ({@code [position * headDim + i]}); a position the cache no
         * longer holds reads as zeros. A new array.
         *
         * @throws IllegalStateException when neither the cache nor the evidence has keys
         */
        public float[] keys(int layer, int kvHead) {
            if (cache != null) {
                return PromptKeys.fromCache(cache, layer, kvHead, promptLength);
            }
            if (evidence != null && evidence.hasKeys()) {
                return evidence.keys(layer, kvHead).clone();
            }
            throw new IllegalStateException("this policy scores by key vectors, but this run recorded none"
                    + " (re-capture the prompt)");
        }
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
