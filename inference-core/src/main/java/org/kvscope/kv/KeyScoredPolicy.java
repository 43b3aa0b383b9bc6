package org.kvscope.kv;

import java.util.List;

/**
 * A policy that scores positions from their key vectors alone, without attention (so it needs
 * no attention evidence and works with any attention kernel). The most recent {@code recent}
 * positions are always kept.
 */
public abstract class KeyScoredPolicy extends ScoredPolicy {

    protected KeyScoredPolicy(PolicyParameters params) {
        super(params);
        BudgetParameters.requireBelowBudget(params, "recent");
    }

    /** The budget parameters plus {@code recent} (default 0: the papers keep no window). */
    public static List<ParameterSpec> specs() {
        return concat(BudgetParameters.specs("uniform"), List.of(
                ParameterSpec.integer("recent", 0, 1 << 16, 0, "most recent positions always kept")));
    }

    @Override
    protected int recentKept(int promptLength) {
        return Math.min(params.getInt("recent"), promptLength);
    }

    /**
     * Scores of {@code n} keys of length {@code d} stored position-major; higher is kept first.
     */
    protected abstract float[] scoreKeys(float[] keys, int n, int d);

    /**
     * The same scores from the {@link KeyNorms} the cache recorded for these keys as it was written
     * ({@link #needsKeyNorms}); by default {@link #scoreKeys(float[], int, int)}, which ignores them.
     */
    protected float[] scoreKeys(float[] keys, int n, int d, KeyNorms norms) {
        return scoreKeys(keys, n, d);
    }

    /**
     * The policy's scores of the first {@code n} keys a cache holds for one head (slot-major,
     * length {@code d} each): what the decode-time budget cap evicts by, decoded tokens included,
     * as the papers evict while generating (KeyDiff's anchor is then the held keys' mean).
     */
    public final float[] heldKeyScores(float[] keys, int n, int d) {
        return scoreKeys(keys, n, d);
    }

    /**
     * Straight from the cache's keys when its slots hold exactly the prompt's positions in order
     * (a prefill without compression: slot-major is then position-major), with the norms it
     * recorded when it has them; otherwise from a copy with zeros for positions it no longer holds
     * ({@link PrefillContext#keys}).
     */
    @Override
    protected float[] scores(PrefillContext ctx, int layer, int kvHead) {
        int n = ctx.promptLength();
        KvCache cache = ctx.cache();
        if (cache != null && holdsExactly(cache, layer, kvHead, n)) {
            KeyNorms norms = cache.keyNorms(layer, kvHead);
            return norms == null ? scoreKeys(cache.keys(layer, kvHead), n, cache.headDim())
                    : scoreKeys(cache.keys(layer, kvHead), n, cache.headDim(), norms);
        }
        return scoreKeys(ctx.keys(layer, kvHead), n, ctx.headDim());
    }

    /** {@link #scoresInPlace} of the norms the cache recorded for exactly the prompt's keys, when it has them. */
    @Override
    final float[] rankedScores(PrefillContext ctx, int layer, int kvHead) {
        KvCache cache = ctx.cache();
        int n = ctx.promptLength();
        if (cache != null && holdsExactly(cache, layer, kvHead, n)) {
            KeyNorms norms = cache.keyNorms(layer, kvHead);
            float[] ranked = norms == null ? null : scoresInPlace(cache, layer, kvHead, n, norms);
            if (ranked != null) {
                return ranked;
            }
        }
        return scores(ctx, layer, kvHead);
    }

    /**
     * The policy's scores of the first {@code n} slots of a cache that holds exactly the prompt's keys, with the
     * {@link KeyNorms} it recorded for them, in an array the selection only reads and that is not made for the call
     * (K-norm: the scores the cache recorded as it wrote the keys; KeyDiff: its buffer made before the prefill,
     * rewritten; longer is fine, only the first n are ranked), or null (the default) for {@link #scores}' new array.
     */
    float[] scoresInPlace(KvCache cache, int layer, int kvHead, int n, KeyNorms norms) {
        return null;
    }

    /** Slots 0..n-1 hold positions 0..n-1 and nothing else (positions strictly increase). */
    private static boolean holdsExactly(KvCache cache, int layer, int kvHead, int n) {
        int[] pos = cache.positions(layer, kvHead);
        return n > 0 && cache.size(layer, kvHead) == n && pos[0] == 0 && pos[n - 1] == n - 1;
    }
}
