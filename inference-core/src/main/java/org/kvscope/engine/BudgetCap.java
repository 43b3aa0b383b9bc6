package org.kvscope.engine;

import java.util.Map;
import org.kvscope.kv.BudgetParameters;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.KeptPositions;
import org.kvscope.kv.KeyScoredPolicy;
import org.kvscope.kv.KvCache;
import org.kvscope.kv.PositionScorer;
import org.kvscope.kv.ScoredPolicy;

/**
 * {@link DecodeCap#BUDGET} for one prefill: each (layer, kv-head)'s cap, the policy's scores of
 * the prompt positions (for a policy that scores by keys alone, its score of every held key,
 * recomputed at each trim), its always-kept sinks and recent window, and where later tokens rank
 * ({@link PositionScorer#keepsTokensAfterPrompt}: above every prompt position, else below).
 */
final class BudgetCap {
    private final int[][] caps;        // [layer][kvHead]
    private final float[][][] scores;  // [layer][kvHead][prompt position], null: no scores
    private final int promptEnd;
    private final int sinks;
    private final int recent;
    private final float afterPrompt;           // the score of a position after the prompt
    private final KeyScoredPolicy keyScored;   // scores every held key at each trim (null: prompt scores)

    private BudgetCap(int[][] caps, float[][][] scores, KeyScoredPolicy keyScored, int promptEnd, int sinks, int recent,
                      boolean keepsAfterPrompt) {
        this.caps = caps;
        this.afterPrompt = keepsAfterPrompt ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
        this.scores = scores;
        this.keyScored = keyScored;
        this.promptEnd = promptEnd;
        this.sinks = sinks;
        this.recent = Math.max(1, recent);
    }

    /**
     * The cap for the cache a prefill of {@code keyCount} positions leaves, or null when the
     * policy has no budget. Call before the kept set is applied (key-scored policies read the cache).
     */
    static BudgetCap of(CompressionPolicy policy, CompressionPolicy.PrefillContext ctx, KeptPositions kept,
                        KvCache cache, int keyCount) {
        int layers = cache.layers(), kvHeads = cache.kvHeads();
        int[][] caps = new int[layers][kvHeads];
        boolean compressed = false; // by the kept set, or pruned during prefill
        for (int l = 0; l < layers && !compressed; l++) {
            for (int h = 0; h < kvHeads; h++) {
                compressed |= (kept != null ? kept.of(l, h).length : cache.size(l, h)) < keyCount;
            }
        }
        Map<String, Object> params = policy.parameters().asMap();
        boolean hasBudget = params.get(BudgetParameters.BUDGET) instanceof Integer;
        if (compressed) {
            for (int l = 0; l < layers; l++) {
                for (int h = 0; h < kvHeads; h++) {
                    caps[l][h] = kept != null ? kept.of(l, h).length : cache.size(l, h);
                }
            }
        } else if (policy instanceof ScoredPolicy sp && hasBudget) {
            int avg = BudgetParameters.average(policy.parameters(), keyCount);
            int[] perLayer = sp.layerBudgets(layers, Math.min(ctx.contextLength(), Math.max(keyCount, avg)));
            for (int l = 0; l < layers; l++) {
                java.util.Arrays.fill(caps[l], perLayer[l]);
            }
        } else if (hasBudget) {
            for (int[] layer : caps) {
                java.util.Arrays.fill(layer, policy.parameters().getInt(BudgetParameters.BUDGET));
            }
        } else {
            return null;
        }
        float[][][] scores = null;
        KeyScoredPolicy keyScored = policy instanceof KeyScoredPolicy k ? k : null;
        int sinks = params.get("sinks") instanceof Integer s ? s : 0;
        int recent = 1;
        boolean keepsAfterPrompt = false;
        if (policy instanceof PositionScorer sp) {
            keepsAfterPrompt = sp.keepsTokensAfterPrompt();
            sinks = sp.alwaysKeptSinks();
            recent = sp.alwaysKeptRecent(keyCount);
            if (compressed && keyScored == null) {
                scores = new float[layers][kvHeads][];
                for (int l = 0; l < layers; l++) {
                    for (int h = 0; h < kvHeads; h++) {
                        scores[l][h] = sp.positionScores(ctx, l, h);
                    }
                }
            }
        }
        return new BudgetCap(caps, scores, keyScored, keyCount, sinks, recent, keepsAfterPrompt);
    }

    /** Cap of one (layer, kv-head). */
    int cap(int layer, int kvHead) {
        return caps[layer][kvHead];
    }

    /**
     * True when decode steps that keep only {@code windows} can never exceed this cap: every head is
     * bounded, by at most its cap (StreamingLLM at its budget), so {@link #trim} would never cut.
     */
    boolean neverTrims(org.kvscope.kv.DecodeWindows windows) {
        for (int l = 0; l < caps.length; l++) {
            for (int h = 0; h < caps[l].length; h++) {
                if (!windows.bounded(l, h) || windows.entries(l, h) > caps[l][h]) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Per (layer, kv-head) the positions to keep so that none exceeds its cap (null entries:
     * unchanged), or null when every head is within its cap.
     *
     * @param current position of the token just decoded
     */
    int[][][] trim(KvCache cache, int current) {
        int[][][] out = null;
        for (int l = 0; l < cache.layers(); l++) {
            for (int h = 0; h < cache.kvHeads(); h++) {
                int size = cache.size(l, h);
                if (size > caps[l][h]) {
                    if (out == null) {
                        out = new int[cache.layers()][cache.kvHeads()][];
                    }
                    float[] held = keyScored == null ? null
                            : keyScored.heldKeyScores(cache.keys(l, h), size, cache.headDim());
                    out[l][h] = keep(cache.positions(l, h), size, size - caps[l][h], l, h, current, held);
                }
            }
        }
        return out;
    }

    /** @param held scores per slot of the held keys (key-scored policies), or null to use the prompt's */
    private int[] keep(int[] pos, int size, int excess, int layer, int kvHead, int current, float[] held) {
        boolean[] evicted = new boolean[size];
        for (int e = 0; e < excess; e++) {
            int victim = -1;
            for (int tier = 0; tier < 3 && victim < 0; tier++) {
                victim = victim(pos, size, evicted, layer, kvHead, current, tier, held);
            }
            evicted[victim] = true;
        }
        int[] kept = new int[size - excess];
        for (int s = 0, k = 0; s < size; s++) {
            if (!evicted[s]) {
                kept[k++] = pos[s];
            }
        }
        return kept;
    }

    /**
     * The slot to evict next: tier 0 = outside the sinks and the recent window, by score (equal
     * scores: the oldest); tier 1 = any non-sink, oldest; tier 2 = any, oldest (only when the cap
     * is below sinks + window).
     */
    private int victim(int[] pos, int size, boolean[] evicted, int layer, int kvHead, int current, int tier,
                       float[] held) {
        int best = -1;
        float bestScore = 0;
        for (int s = 0; s < size; s++) {
            int p = pos[s];
            if (evicted[s] || tier < 2 && p < sinks || tier == 0 && p > current - recent) {
                continue;
            }
            float score = tier > 0 ? Float.NEGATIVE_INFINITY : held != null ? held[s] : score(layer, kvHead, p);
            if (best < 0 || score < bestScore) {
                best = s;
                bestScore = score;
            }
        }
        return best;
    }

    private float score(int layer, int kvHead, int position) {
        if (position >= promptEnd) {
            return afterPrompt;
        }
        return scores != null ? scores[layer][kvHead][position] : Float.NEGATIVE_INFINITY;
    }
}
