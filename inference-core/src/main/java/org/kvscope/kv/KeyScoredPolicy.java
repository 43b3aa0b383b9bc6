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
     * The policy's scores of the first {@code n} keys a cache holds for one head (slot-major,
     * length {@code d} each): what the decode-time budget cap evicts by, decoded tokens included,
     * as the papers evict while generating (KeyDiff's anchor is then the held keys' mean).
     */
    public final float[] heldKeyScores(float[] keys, int n, int d) {
        return scoreKeys(keys, n, d);
    }

    @Override
    protected float[] scores(PrefillContext ctx, int layer, int kvHead) {
        return scoreKeys(ctx.keys(layer, kvHead), ctx.promptLength(), ctx.headDim());
    }

    /** L2 norm of key {@code i}. */
    static double norm(float[] keys, int i, int d) {
        double s = 0;
        for (int j = 0; j < d; j++) {
            double v = keys[i * d + j];
            s += v * v;
        }
        return Math.sqrt(s);
    }
}
