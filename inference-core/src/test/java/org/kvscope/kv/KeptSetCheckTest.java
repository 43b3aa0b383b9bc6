package org.kvscope.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The engine's check of every kept set a policy returns, each malformed shape on its own: one
 * line naming the policy and what is wrong, before anything is applied.
 */
class KeptSetCheckTest {
    private static final int N = 10;
    private static final CompressionPolicy.PrefillContext CTX =
            new CompressionPolicy.PrefillContext(2, 2, 2, N, 32, null);

    /** Returns whatever it is given, after prefill and at each decode step. */
    private static final class Returns extends CompressionPolicy {
        private final int[][][] kept;

        Returns(int[][][] kept, Map<String, ?> params) {
            super(PolicyParameters.of(BudgetParameters.specs("uniform").subList(0, 2), params));
            this.kept = kept;
        }

        @Override public String name() { return "returns"; }
        @Override public KeptPositions selectAfterPrefill(PrefillContext ctx) { return new KeptPositions(kept); }
        @Override public int[][][] onDecodeStep(DecodeContext ctx) { return kept; }
    }

    private static String prefillError(int[][][] kept) {
        return assertThrows(IllegalStateException.class,
                () -> new Returns(kept, Map.of()).checkedSelectAfterPrefill(CTX)).getMessage();
    }

    @Test
    void everyMalformedPrefillSetIsNamed() {
        int[] ok = {0, 9};
        assertEquals("policy 'returns' returned kept positions for 1 layers; the model has 2",
                prefillError(new int[][][] {{ok, ok}}));
        assertEquals("policy 'returns' returned 1 kv-heads for layer 1; the model has 2",
                prefillError(new int[][][] {{ok, ok}, {ok}}));
        assertEquals("policy 'returns' returned no positions for layer 0 kv-head 1",
                prefillError(new int[][][] {{ok, null}, {ok, ok}}));
        assertEquals("policy 'returns' kept position 10 in layer 1 kv-head 0, outside 0..9",
                prefillError(new int[][][] {{ok, ok}, {{3, 10}, ok}}));
        assertEquals("policy 'returns' kept position -1 in layer 0 kv-head 0, outside 0..9",
                prefillError(new int[][][] {{{-1}, ok}, {ok, ok}}));
        assertEquals("policy 'returns' kept positions of layer 0 kv-head 1 are not strictly increasing (2 after 5)",
                prefillError(new int[][][] {{ok, {5, 2}}, {ok, ok}}));
        assertEquals("policy 'returns' kept positions of layer 0 kv-head 0 are not strictly increasing (4 after 4)",
                prefillError(new int[][][] {{{4, 4}, ok}, {ok, ok}}));
    }

    @Test
    void moreEntriesThanTheBudgetAllowsInAllIsRefusedButAnUnevenSplitWithinItIsNot() {
        int[] three = {0, 1, 2}, one = {9};
        var over = new Returns(new int[][][] {{three, three}, {three, one}}, Map.of("budget", 2));
        assertEquals("policy 'returns' kept 10 entries in all, more than its budget of 8 (layers × kv-heads × budget)",
                assertThrows(IllegalStateException.class, () -> over.checkedSelectAfterPrefill(CTX)).getMessage());
        var uneven = new Returns(new int[][][] {{three, three}, {one, one}}, Map.of("budget", 2));
        assertEquals(List.of(0, 1, 2), java.util.Arrays.stream(uneven.checkedSelectAfterPrefill(CTX).of(0, 0)).boxed().toList());
    }

    @Test
    void aDecodeStepMayKeepOnlyWhatTheCacheHolds() {
        ArrayKvCache cache = new ArrayKvCache(2, 2, 1, 16);
        float[] x = {1, 1};
        for (int p : new int[] {0, 3, 4}) {
            for (int l = 0; l < 2; l++) {
                cache.append(l, p, x, 0, x, 0);
            }
        }
        var ctx = new CompressionPolicy.DecodeContext(4, cache, null, 2);
        int[][][] fine = {null, {null, {3, 4}}};
        assertSame(fine, new Returns(fine, Map.of()).checkedDecodeStep(ctx), "null entries: heads left unchanged");
        assertEquals("policy 'returns' kept position 1 in layer 1 kv-head 1, which the cache no longer holds",
                decodeError(new int[][][] {null, {null, {1, 4}}}, ctx));
        assertEquals("policy 'returns' kept position 5 in layer 0 kv-head 0, outside 0..4",
                decodeError(new int[][][] {{{0, 5}, null}, null}, ctx));
        assertEquals("policy 'returns' returned decode-step positions for 3 layers; the model has 2",
                decodeError(new int[3][][], ctx));
        assertEquals("policy 'returns' returned 1 kv-heads for layer 0; the model has 2",
                decodeError(new int[][][] {{{0}}, null}, ctx));
    }

    private static String decodeError(int[][][] kept, CompressionPolicy.DecodeContext ctx) {
        return assertThrows(IllegalStateException.class,
                () -> new Returns(kept, Map.of()).checkedDecodeStep(ctx)).getMessage();
    }
}
