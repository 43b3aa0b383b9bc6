package org.kvscope.kv;

import java.util.List;

/**
 * StreamingLLM: the first {@code sinks} positions (attention sinks) plus the most recent
 * {@code budget − sinks} positions, after prefill and after every decode step.
 */
public final class StreamingLlmPolicy extends CompressionPolicy {
    public static final String NAME = "streamingllm";

    public StreamingLlmPolicy(PolicyParameters params) {
        super(params);
        if (params.getInt("sinks") >= params.getInt(BudgetParameters.BUDGET)) {
            throw new IllegalArgumentException("parameter 'sinks' must be smaller than 'budget' ("
                    + params.getInt(BudgetParameters.BUDGET) + "), was " + params.getInt("sinks"));
        }
    }

    public static List<ParameterSpec> specs() {
        return List.of(
                ParameterSpec.integer(BudgetParameters.BUDGET, 2, 1 << 20, 64, "KV entries kept per layer and kv-head"),
                ParameterSpec.integer("sinks", 0, 1 << 16, 4, "first positions always kept (attention sinks)"));
    }

    @Override public String name() { return NAME; }

    @Override
    public void validateFor(int contextLength) {
        if (params.getInt(BudgetParameters.BUDGET) > contextLength) {
            throw new IllegalArgumentException("parameter 'budget' must be at most " + contextLength
                    + " (the model's context length), was " + params.getInt(BudgetParameters.BUDGET));
        }
    }

    /** Kept positions among {@code 0..n-1}: sinks then the recent window. */
    public int[] keptAmong(int n) {
        int budget = params.getInt(BudgetParameters.BUDGET);
        if (n <= budget) {
            return null;
        }
        int sinks = params.getInt("sinks");
        int[] kept = new int[budget];
        for (int i = 0; i < sinks; i++) {
            kept[i] = i;
        }
        for (int i = sinks; i < budget; i++) {
            kept[i] = n - (budget - i);
        }
        return kept;
    }

    @Override
    public KeptPositions selectAfterPrefill(PrefillContext ctx) {
        int[] kept = keptAmong(ctx.promptLength());
        if (kept == null) {
            return null;
        }
        int[][][] out = new int[ctx.layers()][ctx.kvHeads()][];
        for (int[][] layer : out) {
            for (int h = 0; h < layer.length; h++) {
                layer[h] = kept.clone();
            }
        }
        return new KeptPositions(out);
    }

    /** Every head: its first {@code sinks} and last {@code budget − sinks} entries, as {@link #onDecodeStep} keeps them. */
    @Override
    public DecodeWindows decodeWindows(int layers, int kvHeads) {
        return DecodeWindows.uniform(layers, kvHeads, params.getInt("sinks"), params.getInt(BudgetParameters.BUDGET));
    }

    @Override
    public int[][][] onDecodeStep(DecodeContext ctx) {
        KvCache cache = ctx.cache();
        int budget = params.getInt(BudgetParameters.BUDGET);
        int sinks = params.getInt("sinks");
        int[][][] out = null;
        for (int l = 0; l < cache.layers(); l++) {
            for (int h = 0; h < cache.kvHeads(); h++) {
                int size = cache.size(l, h);
                if (size > budget) {
                    if (out == null) {
                        out = new int[cache.layers()][cache.kvHeads()][];
                    }
                    int[] pos = cache.positions(l, h);
                    int[] kept = new int[budget];
                    for (int i = 0; i < sinks; i++) {
                        kept[i] = pos[i];
                    }
                    for (int i = sinks; i < budget; i++) {
                        kept[i] = pos[size - (budget - i)];
                    }
                    out[l][h] = kept;
                }
            }
        }
        return out;
    }
}
