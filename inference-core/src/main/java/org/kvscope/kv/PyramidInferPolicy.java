package org.kvscope.kv;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.kvscope.trace.AttentionObserver;

/**
 * PyramidInfer: deeper layers compute fewer context tokens. During prefill, after each layer
 * the pivotal context (PvC) is chosen by the ensemble attention of the most recent prompt tokens
 * (weights growing linearly with recency, averaged over heads); only the PvC, the recent tokens
 * and the sinks continue to the next layer, and the layer's cache keeps exactly them. The kept
 * count per layer decays with depth ({@code schedule}: cosine, pyramid (linear) or power-law)
 * around the average budget. Positions keep their original RoPE indices.
 *
 * <p>During generation, whenever {@code block} generated tokens have fallen out of the recent
 * window, that block is compressed to the same kept ratio as its layer, by the attention the
 * block received from the decode queries since it was generated.
 *
 * <p>Evaluated from a FullKV capture (no pruned forward pass), the selection is approximated
 * with the same rule applied to the captured attention of the recent queries, layer by layer,
 * each layer choosing among the positions the layer below kept.
 */
public final class PyramidInferPolicy extends CompressionPolicy {
    public static final String NAME = "pyramidinfer";

    private int[] layerKeep;
    private List<int[]> rowsPerLayer;     // rows (positions) that continued past each layer
    private float[][][] decodeScores;     // [layer][kvHead][position], made at the first decode step after a selection
    private Shape decodeScoresDue;        // the zeroed decodeScores the next decode step starts from, or null
    private int compressedUpTo = -1;      // generated positions below this were already compressed
    private int promptLength;
    private Pruner pruner;

    public PyramidInferPolicy(PolicyParameters params) {
        super(params);
        if (params.getChoice(BudgetParameters.SCHEDULE).equals("auto")) {
            throw new IllegalArgumentException("parameter 'schedule' must be one of uniform, pyramid, power-law, cosine,"
                    + " custom for pyramidinfer (it prunes during prefill, before 'auto' can measure), was auto");
        }
    }

    public static List<ParameterSpec> specs() {
        List<ParameterSpec> budget = new ArrayList<>(BudgetParameters.specs("cosine"));
        return concat(budget, List.of(
                ParameterSpec.real("recent-ratio", 0.01, 0.5, 0.1,
                        "share of the prompt's final tokens whose attention chooses the PvC")
                        .withLabel("recent sequence ratio"),
                ParameterSpec.integer("sinks", 0, 1024, 4, "first positions always kept"),
                ParameterSpec.integer("recent-window", 1, 4096, 16, "generated tokens kept uncompressed"),
                ParameterSpec.integer("block", 1, 4096, 16, "generated tokens compressed together")));
    }

    @Override public String name() { return NAME; }

    @Override
    public void validateFor(int contextLength) {
        BudgetParameters.validate(params, contextLength);
    }

    private int recentCount(int n) {
        return Math.max(1, Math.min(n, (int) Math.round(params.getDouble("recent-ratio") * n)));
    }

    /** Kept tokens per layer for a prompt of n tokens (non-increasing with depth). */
    public int[] layerKeep(int layers, int n) {
        int avg = Math.min(BudgetParameters.average(params, n), n);
        int[] keep = BudgetParameters.schedule(params).allocate(layers, (long) layers * avg, n);
        for (int l = 1; l < layers; l++) {
            keep[l] = Math.min(keep[l], keep[l - 1]);
        }
        return keep;
    }

    /** {@link #layerKeep}: the schedule's split, made non-increasing with depth. */
    @Override
    public int[] layerBudgets(PrefillContext ctx) {
        return layerKeep(ctx.layers(), ctx.promptLength());
    }

    @Override
    public PrefillPruner prefillPruner(PrefillContext ctx) {
        int n = ctx.promptLength();
        if (n <= BudgetParameters.average(params, n)) {
            layerKeep = null;
            return null;
        }
        layerKeep = layerKeep(ctx.layers(), n);
        rowsPerLayer = new ArrayList<>();
        promptLength = n;
        compressedUpTo = n;
        pruner = new Pruner(ctx, layerKeep, recentCount(n));
        return pruner;
    }

    @Override
    public KeptPositions selectAfterPrefill(PrefillContext ctx) {
        if (rowsPerLayer == null && ctx.evidence() != null
                && ctx.promptLength() > BudgetParameters.average(params, ctx.promptLength())) {
            return selectFromEvidence(ctx);
        }
        if (layerKeep == null || rowsPerLayer == null) {
            return null;
        }
        if (rowsPerLayer.size() < ctx.layers()) {
            int last = ctx.layers() - 1;
            int[] computed = last == 0 ? allPositions(ctx.promptLength()) : rowsPerLayer.get(last - 1);
            rowsPerLayer.add(pruner.choose(last, computed));
        }
        int[][][] out = new int[ctx.layers()][ctx.kvHeads()][];
        for (int l = 0; l < ctx.layers(); l++) {
            int[] kept = rowsPerLayer.get(l);
            for (int h = 0; h < ctx.kvHeads(); h++) {
                out[l][h] = kept.clone();
            }
        }
        // zeroed decode-time accumulators, made by the first decode step: not in the selection (1.5 MiB at 2,048
        // tokens on the SmolLM2-135M shape, a young collection's odds in a fresh JVM's first call; issue 15)
        decodeScores = null;
        decodeScoresDue = new Shape(ctx.layers(), ctx.kvHeads(), ctx.contextLength());
        return new KeptPositions(out);
    }

    @Override
    public boolean needsDecodeAttention() { return layerKeep != null; }

    @Override
    public int[][][] onDecodeStep(DecodeContext ctx) {
        if (layerKeep == null || decodeScores == null && decodeScoresDue == null) {
            return null;
        }
        if (decodeScores == null) {
            decodeScores = new float[decodeScoresDue.layers()][decodeScoresDue.kvHeads()][decodeScoresDue.positions()];
            decodeScoresDue = null;
        }
        KvCache cache = ctx.cache();
        int group = ctx.groupSize();
        for (int l = 0; l < cache.layers(); l++) {
            for (int h = 0; h < cache.kvHeads(); h++) {
                int[] pos = cache.positions(l, h);
                int size = cache.size(l, h);
                for (int g = 0; g < group; g++) {
                    float[] w = ctx.lastWeights()[l][h * group + g];
                    for (int s = 0; s < Math.min(size, w.length); s++) {
                        decodeScores[l][h][pos[s]] += w[s];
                    }
                }
            }
        }
        int window = params.getInt("recent-window");
        int block = params.getInt("block");
        int outOfWindowEnd = ctx.position() + 1 - window; // generated positions below this left the window
        if (outOfWindowEnd - compressedUpTo < block) {
            return null;
        }
        int from = compressedUpTo, to = compressedUpTo + block;
        compressedUpTo = to;
        int[][][] out = new int[cache.layers()][cache.kvHeads()][];
        for (int l = 0; l < cache.layers(); l++) {
            double ratio = (double) layerKeep[l] / promptLength;
            for (int h = 0; h < cache.kvHeads(); h++) {
                out[l][h] = compressBlock(cache, l, h, from, to, ratio);
            }
        }
        return out;
    }

    private int[] compressBlock(KvCache cache, int l, int h, int from, int to, double ratio) {
        int size = cache.size(l, h);
        int[] pos = cache.positions(l, h);
        List<Integer> block = new ArrayList<>();
        for (int s = 0; s < size; s++) {
            if (pos[s] >= from && pos[s] < to) {
                block.add(pos[s]);
            }
        }
        int keep = (int) Math.ceil(ratio * block.size());
        float[] score = decodeScores[l][h];
        List<Integer> ranked = new ArrayList<>(block);
        ranked.sort((a, b) -> score[a] != score[b] ? Float.compare(score[b], score[a]) : Integer.compare(a, b));
        java.util.Set<Integer> dropped = new java.util.HashSet<>(ranked.subList(keep, ranked.size()));
        int[] kept = new int[size - dropped.size()];
        for (int s = 0, k = 0; s < size; s++) {
            if (!dropped.contains(pos[s])) {
                kept[k++] = pos[s];
            }
        }
        return kept;
    }

    /** The PvC rule on captured FullKV attention (no pruned forward pass). */
    private KeptPositions selectFromEvidence(PrefillContext ctx) {
        var ev = ctx.evidence();
        int n = ctx.promptLength();
        int[] keep = layerKeep(ctx.layers(), n);
        int recent = Math.min(recentCount(n), ev.window());
        Pruner p = new Pruner(ctx, keep, recent);
        for (int l = 0; l < ctx.layers(); l++) {
            for (int h = 0; h < ctx.heads(); h++) {
                for (int r = ev.window() - recent; r < ev.window(); r++) {
                    int q = ev.firstWindowQuery() + r;
                    p.addRow(l, h, q, ev.row(l, h, r), q + 1);
                }
            }
        }
        int[][][] out = new int[ctx.layers()][ctx.kvHeads()][];
        int[] rows = allPositions(n);
        for (int l = 0; l < ctx.layers(); l++) {
            rows = p.choose(l, rows);
            for (int h = 0; h < ctx.kvHeads(); h++) {
                out[l][h] = rows.clone();
            }
        }
        return new KeptPositions(out);
    }

    private static int[] allPositions(int n) {
        int[] p = new int[n];
        Arrays.setAll(p, i -> i);
        return p;
    }

    /** Gathers the recent queries' ensemble attention per layer and picks the rows that go on. */
    private final class Pruner implements PrefillPruner, AttentionObserver {
        private final int n, recent, heads, sinks;
        private final int[] keepPerLayer;
        private final float[][][] ensemble; // [layer][head][position]

        Pruner(PrefillContext ctx, int[] keepPerLayer, int recent) {
            n = ctx.promptLength();
            this.recent = recent;
            this.keepPerLayer = keepPerLayer;
            heads = ctx.heads();
            sinks = params.getInt("sinks");
            ensemble = new float[ctx.layers()][heads][n];
        }

        /** The recent queries' rows only. */
        @Override
        public boolean wants(int layer, int head, int q) {
            return q >= n - recent && q < n;
        }

        @Override
        public void onAttention(int layer, int head, int q, int[] keyPositions, float[] weights, int count) {
            int firstRecent = n - recent;
            if (q < firstRecent || q >= n) {
                return;
            }
            float weight = (q - firstRecent + 1f) / recent; // grows with recency
            float[] e = ensemble[layer][head];
            for (int s = 0; s < count; s++) {
                e[keyPositions[s]] += weight * weights[s];
            }
        }

        /** Adds a captured row whose weights are indexed by position. */
        void addRow(int layer, int head, int q, float[] byPosition, int count) {
            int firstRecent = n - recent;
            float weight = (q - firstRecent + 1f) / recent;
            float[] e = ensemble[layer][head];
            for (int k = 0; k < count; k++) {
                e[k] += weight * byPosition[k];
            }
        }

        @Override
        public int[] rowsForNextLayer(int layer, int[] rowPositions) {
            int[] positions = choose(layer, rowPositions);
            rowsPerLayer.add(positions);
            int[] rows = new int[positions.length];
            for (int i = 0, k = 0; i < rowPositions.length && k < positions.length; i++) {
                if (rowPositions[i] == positions[k]) {
                    rows[k++] = i;
                }
            }
            return rows;
        }

        /** The PvC of a layer among the positions it computed: sinks, recent tokens, top ensemble scores. */
        int[] choose(int layer, int[] rowPositions) {
            int live = rowPositions.length;
            int keep = Math.min(keepPerLayer[layer], live);
            float[] score = new float[n];
            for (int h = 0; h < heads; h++) {
                float[] e = ensemble[layer][h];
                for (int p = 0; p < n; p++) {
                    score[p] += e[p] / heads;
                }
            }
            boolean[] chosen = new boolean[live];
            int count = 0;
            // sinks and the most recent tokens are always kept, within the layer's budget
            int keptSinks = Math.min(sinks, keep - 1);
            int keptRecent = Math.max(1, Math.min(recent, keep - keptSinks));
            for (int i = 0; i < live; i++) {
                int p = rowPositions[i];
                if (p < keptSinks || p >= n - keptRecent) {
                    chosen[i] = true;
                    count++;
                }
            }
            Integer[] order = new Integer[live];
            for (int i = 0; i < live; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> score[rowPositions[a]] != score[rowPositions[b]]
                    ? Float.compare(score[rowPositions[b]], score[rowPositions[a]]) : Integer.compare(a, b));
            for (int i = 0; i < live && count < keep; i++) {
                if (!chosen[order[i]]) {
                    chosen[order[i]] = true;
                    count++;
                }
            }
            int[] positions = new int[count];
            for (int i = 0, k = 0; i < live; i++) {
                if (chosen[i]) {
                    positions[k++] = rowPositions[i];
                }
            }
            return positions;
        }
    }

    /** The size of the decode-time accumulators: layers × kv-heads × positions of the context. */
    private record Shape(int layers, int kvHeads, int positions) {}
}
