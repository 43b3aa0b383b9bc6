package org.kvscope.kv;

/**
 * Checks the kept sets a policy returns before anything is applied, so that a faulty policy
 * (a plugin's, typically) fails with one line naming it instead of corrupting a cache.
 */
final class KeptSetCheck {
    private KeptSetCheck() {}

    static void afterPrefill(CompressionPolicy policy, CompressionPolicy.PrefillContext ctx, KeptPositions kept) {
        int[][][] p = kept.positions();
        if (p == null || p.length != ctx.layers()) {
            throw bad(policy, "returned kept positions for " + (p == null ? "no" : p.length) + " layers; the model has "
                    + ctx.layers());
        }
        long total = 0;
        for (int l = 0; l < p.length; l++) {
            if (p[l] == null || p[l].length != ctx.kvHeads()) {
                throw bad(policy, "returned " + (p[l] == null ? "no" : p[l].length) + " kv-heads for layer " + l
                        + "; the model has " + ctx.kvHeads());
            }
            for (int h = 0; h < p[l].length; h++) {
                if (p[l][h] == null) {
                    throw bad(policy, "returned no positions for layer " + l + " kv-head " + h);
                }
                requireIncreasingWithin(policy, p[l][h], ctx.promptLength(), l, h);
                total += p[l][h].length;
            }
        }
        long limit = policy.keptEntryLimit(ctx);
        if (total > limit) {
            throw bad(policy, "kept " + total + " entries in all, more than its budget of " + limit
                    + " (layers × kv-heads × budget)");
        }
    }

    static void afterDecode(CompressionPolicy policy, CompressionPolicy.DecodeContext ctx, int[][][] kept) {
        KvCache cache = ctx.cache();
        if (kept.length != cache.layers()) {
            throw bad(policy, "returned decode-step positions for " + kept.length + " layers; the model has "
                    + cache.layers());
        }
        for (int l = 0; l < kept.length; l++) {
            if (kept[l] == null) {
                continue;
            }
            if (kept[l].length != cache.kvHeads()) {
                throw bad(policy, "returned " + kept[l].length + " kv-heads for layer " + l + "; the model has "
                        + cache.kvHeads());
            }
            for (int h = 0; h < kept[l].length; h++) {
                int[] want = kept[l][h];
                if (want == null) {
                    continue;
                }
                requireIncreasingWithin(policy, want, ctx.position() + 1, l, h);
                int[] have = cache.positions(l, h);
                int size = cache.size(l, h);
                for (int i = 0, s = 0; i < want.length; i++) {
                    while (s < size && have[s] < want[i]) {
                        s++;
                    }
                    if (s == size || have[s] != want[i]) {
                        throw bad(policy, "kept position " + want[i] + " in layer " + l + " kv-head " + h
                                + ", which the cache no longer holds");
                    }
                }
            }
        }
    }

    private static void requireIncreasingWithin(CompressionPolicy policy, int[] positions, int bound, int l, int h) {
        int prev = -1;
        for (int pos : positions) {
            if (pos < 0 || pos >= bound) {
                throw bad(policy, "kept position " + pos + " in layer " + l + " kv-head " + h + ", outside 0.."
                        + (bound - 1));
            }
            if (pos <= prev) {
                throw bad(policy, "kept positions of layer " + l + " kv-head " + h + " are not strictly increasing ("
                        + pos + " after " + prev + ")");
            }
            prev = pos;
        }
    }

    private static IllegalStateException bad(CompressionPolicy policy, String what) {
        return new IllegalStateException(PolicyRegistry.describe(policy.name()) + " " + what);
    }
}
