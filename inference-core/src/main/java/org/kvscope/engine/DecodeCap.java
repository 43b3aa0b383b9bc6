package org.kvscope.engine;

import java.util.Locale;

/**
 * How large the KV cache may grow while decoding (a teacher-forced continuation or generation).
 *
 * <ul>
 *   <li>{@link #NONE}: the policy alone decides. Policies that act only after prefill (SnapKV,
 *       PyramidKV, K-norm, …) let every decoded token add an entry; decode-time policies
 *       (StreamingLLM, H2O, TOVA) evict as they are defined to.</li>
 *   <li>{@link #BUDGET}: after each decode step (and the policy's own evictions) every
 *       (layer, kv-head) is cut back to the entries it held once the policy had compressed the
 *       prompt: policies are compared at equal memory. When the prompt fitted the budget (nothing
 *       was compressed) the cap is the policy's per-layer budget. The entry evicted is, among those
 *       that are neither the policy's always-kept sinks nor its always-kept recent window (at
 *       least the token just added): the one with the lowest score the policy gave it after
 *       prefill; a position without such a score (a decoded token, or every position of a policy
 *       that does not score positions) ranks below every scored one, the oldest first. So a
 *       scoring policy keeps its prompt selection and a sliding window of the newest tokens, and
 *       any other policy drops its oldest entry after the sinks. A policy that scores by keys alone
 *       (K-norm, KeyDiff) instead scores every held entry, decoded tokens included, by its own
 *       rule at each step (KeyDiff's anchor is the held keys' mean), as those papers evict while
 *       generating: beyond its own {@code recent} parameter only the token just added is kept. Policies without a budget
 *       (FullKV) are not capped.</li>
 * </ul>
 */
public enum DecodeCap {
    NONE, BUDGET;

    /** The name used on the command line and in reports. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @throws IllegalArgumentException naming the valid values
     */
    public static DecodeCap parse(String text) {
        for (DecodeCap c : values()) {
            if (c.id().equals(text.trim().toLowerCase(Locale.ROOT))) {
                return c;
            }
        }
        throw new IllegalArgumentException("decode cap must be 'none' or 'budget', was '" + text + "'");
    }
}
