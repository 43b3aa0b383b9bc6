package org.kvscope.kv;

import java.util.Arrays;
import java.util.List;
import org.kvscope.tensor.KernelScratch;
import org.kvscope.trace.AttentionEvidence;

/**
 * KVzip (Kim et al. 2025): query-agnostic importance. After the prefill the model reconstructs
 * its context (a repeat prompt, then the context teacher-forced); each cached pair's score is
 * the most attention any reconstruction query of its kv-head's query heads paid it
 * ({@link AttentionEvidence#reconstruction}, computed by the engine's extra pass). The scores
 * do not depend on any question, so one compressed cache serves every later question.
 *
 * <p>Selection as in the paper's reference code: the first {@code sinks} positions are always
 * kept, then one top-k over the pairs of every layer and kv-head together ({@code scope =
 * global}: layers and heads get non-uniform shares, the total is layers × kv-heads × budget),
 * or, with {@code scope = layer}, one top-k per layer over its kv-heads (kv-heads × budget
 * pairs per layer; heads still non-uniform). No recent window is forced. Ties go to the earlier
 * layer, kv-head and position.
 */
public final class KvzipPolicy extends CompressionPolicy implements PositionScorer {
    public static final String NAME = "kvzip";

    public KvzipPolicy(PolicyParameters params) {
        super(params);
        BudgetParameters.requireBelowBudget(params, "sinks");
    }

    public static List<ParameterSpec> specs() {
        return concat(BudgetParameters.specs("uniform").subList(0, 2), List.of(
                ParameterSpec.choice("scope", List.of("global", "layer"), "global",
                        "one top-k over all layers and heads (paper), or one per layer over its heads")
                        .withLabel("selection scope"),
                ParameterSpec.integer("sinks", 0, 1 << 16, 4, "first positions always kept (attention sinks)")));
    }

    @Override public String name() { return NAME; }

    /** Keeps its selection while decoding. */
    @Override public boolean actsDuringDecode() { return false; }

    @Override public boolean needsContextReconstruction() { return true; }

    @Override
    public void validateFor(int contextLength) {
        BudgetParameters.validate(params, contextLength);
    }

    /** {@inheritDoc} The reconstruction scores: the most attention any reconstruction query paid each position. */
    @Override
    public float[] positionScores(PrefillContext ctx, int layer, int kvHead) {
        return reconstruction(ctx).reconstruction(layer, kvHead);
    }

    /** The first {@code sinks} positions. */
    @Override
    public int alwaysKeptSinks() { return params.getInt("sinks"); }

    /** None: KVzip forces no recent window. */
    @Override
    public int alwaysKeptRecent(int promptLength) { return 0; }

    /**
     * True: KVzip compresses the context once and keeps every pair after it (the paper's
     * query-agnostic setting; its reference code's cache mask "retain[s] system prompt and
     * queries", snu-mllab/KVzip {@code attention/kvcache.py}, and kvpress's {@code KVzipPress}
     * compresses only the context's prefill), so a budget cap spends the context's lowest
     * reconstruction scores before any question or answer token.
     */
    @Override
    public boolean keepsTokensAfterPrompt() { return true; }

    private static AttentionEvidence reconstruction(PrefillContext ctx) {
        if (ctx.evidence() == null || !ctx.evidence().hasReconstruction()) {
            throw new IllegalStateException("kvzip scores by the context-reconstruction pass, but this run has none"
                    + " (re-run the prompt with kvzip)");
        }
        return ctx.evidence();
    }

    /** With the reconstruction scores at hand, the mean entries per kv-head each layer's selection keeps. */
    @Override
    public int[] layerBudgets(PrefillContext ctx) {
        if (ctx.evidence() == null || !ctx.evidence().hasReconstruction() || ctx.kvHeads() != ctx.evidence().kvHeads()) {
            return super.layerBudgets(ctx);
        }
        KeptPositions kept = selectAfterPrefill(ctx);
        int[] out = new int[ctx.layers()];
        for (int l = 0; l < out.length; l++) {
            out[l] = kept == null ? ctx.promptLength() : Math.round((float) kept.countInLayer(l) / ctx.kvHeads());
        }
        return out;
    }

    /**
     * Sizes this thread's {@link KernelScratch} for the selection's heap and row of kept positions (the selection runs
     * on the prefill's thread), so that a fresh JVM's first selection makes little besides its kept sets
     * (docs/BENCHMARKS.md, issue 15).
     */
    @Override
    public void prepareSelection(PrefillContext ctx) {
        int n = ctx.promptLength();
        int budget = Math.min(BudgetParameters.average(params, n), n);
        if (n > budget) {
            int sinks = Math.min(params.getInt("sinks"), budget);
            long pairs = (long) (global() ? ctx.layers() : 1) * ctx.kvHeads() * (n - sinks);
            KernelScratch.ints(n);
            KernelScratch.longs((int) Math.min(pick(ctx, budget), pairs));
        }
    }

    private boolean global() {
        return "global".equals(params.getChoice("scope"));
    }

    /** The pairs one {@link #selectTop} call picks besides the sinks: all layers' or one layer's share. */
    private long pick(PrefillContext ctx, int budget) {
        int sinks = Math.min(params.getInt("sinks"), budget);
        return (long) (global() ? ctx.layers() : 1) * ctx.kvHeads() * (budget - sinks);
    }

    @Override
    public KeptPositions selectAfterPrefill(PrefillContext ctx) {
        int n = ctx.promptLength();
        int budget = Math.min(BudgetParameters.average(params, n), n);
        if (n <= budget) {
            return null;
        }
        reconstruction(ctx);
        int sinks = Math.min(params.getInt("sinks"), budget);
        long pick = pick(ctx, budget);
        int[][][] out = new int[ctx.layers()][ctx.kvHeads()][];
        if (global()) {
            selectTop(ctx, 0, ctx.layers(), sinks, pick, out);
        } else {
            for (int l = 0; l < ctx.layers(); l++) {
                selectTop(ctx, l, l + 1, sinks, pick, out);
            }
        }
        return new KeptPositions(out);
    }

    /**
     * The kept positions of layers {@code from..to-1}: each kv-head's sinks and, among all those layers' other
     * pairs, the {@code pick} best. Each pair ranks by its {@link TopK#key} (score descending, then layer, head and
     * position ascending; a score below 0 counts as 0): the pick-th best key is found with a heap of the best
     * keys so far, then one pass per kv-head takes the pairs at or above it. No array of every pair's key and no
     * per-pair flags: a fresh JVM's first selection runs these two loop nests and little else. The heap and the row
     * of kept positions are this thread's {@link KernelScratch}, sized before the prefill ({@link #prepareSelection}).
     */
    private static void selectTop(PrefillContext ctx, int from, int to, int sinks, long pick, int[][][] out) {
        int n = ctx.promptLength(), heads = ctx.kvHeads(), perHead = n - sinks;
        float[][] rows = new float[(to - from) * heads][];
        for (int j = 0; j < rows.length; j++) {
            rows[j] = ctx.evidence().reconstruction(from + j / heads, j % heads);
        }
        long pairs = (long) rows.length * perHead;
        long last = pick <= 0 ? Long.MIN_VALUE : pick >= pairs ? Long.MAX_VALUE : kth(rows, sinks, n, (int) pick);
        float lastScore = pick <= 0 || pick >= pairs ? Float.NEGATIVE_INFINITY : TopK.score(last);
        int[] kept = KernelScratch.ints(n);
        for (int j = 0; j < rows.length; j++) {
            float[] s = rows[j];
            int k = 0;
            for (int p = 0; p < sinks; p++) {
                kept[k++] = p;
            }
            for (int p = sinks; p < n; p++) {
                float v = s[p] >= 0f ? s[p] : s[p] < 0f ? 0f : s[p];
                if (!(v < lastScore) && TopK.key(v, j * perHead + p - sinks) <= last) {
                    kept[k++] = p;
                }
            }
            out[from + j / heads][j % heads] = Arrays.copyOf(kept, k);
        }
    }

    /** The {@code k}-th smallest {@link TopK#key} of the rows' pairs past the sinks (0 < k < pairs), from a max-heap of the smallest so far. */
    private static long kth(float[][] rows, int sinks, int n, int k) {
        long[] heap = KernelScratch.longs(k);
        Arrays.fill(heap, 0, k, Long.MAX_VALUE); // ranks below every pair
        float worst = Float.NEGATIVE_INFINITY; // the heap top's score once the heap holds k pairs
        int perHead = n - sinks;
        for (int j = 0; j < rows.length; j++) {
            float[] s = rows[j];
            for (int p = sinks; p < n; p++) {
                float v = s[p] >= 0f ? s[p] : s[p] < 0f ? 0f : s[p];
                if (v < worst) {
                    continue; // ranks below every key in the heap
                }
                long key = TopK.key(v, j * perHead + p - sinks);
                if (key < heap[0]) {
                    heap[0] = key;
                    TopK.siftDown(heap, 0, k);
                    if (heap[0] != Long.MAX_VALUE) {
                        worst = TopK.score(heap[0]);
                    }
                }
            }
        }
        return heap[0];
    }
}
