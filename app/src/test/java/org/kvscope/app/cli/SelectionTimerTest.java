package org.kvscope.app.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.KeptPositions;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.trace.AttentionEvidence;
import org.kvscope.trace.EvidenceCollector;

/** bench-policies' selection timer: the delegate's answers and kept sets, its calls timed. */
class SelectionTimerTest {
    static final int L = 2, H = 4, KV = 2, N = 96, WINDOW = 8;

    /** Counts its selections; every other answer is distinctive, to see the timer pass it on. */
    static final class Counting extends CompressionPolicy {
        int selections;

        Counting() { super(PolicyRegistry.create("snapkv", Map.of()).parameters()); }

        @Override public String name() { return "counting"; }
        @Override public int evidenceWindow() { return 3; }
        @Override public boolean needsAccumulatedAttention() { return true; }
        @Override public boolean needsContextReconstruction() { return true; }
        @Override public boolean needsRetrievalScores() { return true; }
        @Override public long keptEntryLimit(PrefillContext ctx) { return 42; }
        @Override public int[] layerBudgets(PrefillContext ctx) { return new int[] {7, 9}; }

        @Override
        public KeptPositions selectAfterPrefill(PrefillContext ctx) {
            selections++;
            return new KeptPositions(new int[][][] {{{0}, {1}}, {{2}, {3}}});
        }
    }

    static CompressionPolicy.PrefillContext context() {
        AttentionEvidence ev = new AttentionEvidence(L, H, KV, N, WINDOW, false);
        EvidenceCollector c = new EvidenceCollector(ev);
        Random r = new Random(7);
        int[] positions = java.util.stream.IntStream.range(0, N).toArray();
        for (int l = 0; l < L; l++) {
            for (int h = 0; h < H; h++) {
                for (int q = N - WINDOW; q < N; q++) {
                    float[] w = new float[q + 1];
                    for (int k = 0; k <= q; k++) {
                        w[k] = r.nextFloat() / (q + 1);
                    }
                    c.onAttention(l, h, q, positions, w, q + 1);
                }
            }
        }
        return new CompressionPolicy.PrefillContext(L, H, KV, N, N + 8, ev);
    }

    @Test
    void runsTheDelegatesSelectionTheGivenTimesAndAnswersAsTheDelegate() {
        Counting policy = new Counting();
        SelectionTimer timer = new SelectionTimer(policy, 4);
        var ctx = context();
        KeptPositions kept = timer.checkedSelectAfterPrefill(ctx);
        assertEquals(4, policy.selections);
        assertArrayEquals(new int[] {3}, kept.of(1, 1));
        assertEquals("counting", timer.name());
        assertEquals(3, timer.evidenceWindow());
        assertTrue(timer.needsAccumulatedAttention() && timer.needsContextReconstruction() && timer.needsRetrievalScores());
        assertEquals(42, timer.keptEntryLimit(ctx));
        assertArrayEquals(new int[] {7, 9}, timer.layerBudgets(ctx));
        assertSame(policy.parameters(), timer.parameters());
        assertTrue(timer.bestNanos() > 0 && timer.bestNanos() <= timer.firstNanos(), timer.bestNanos() + " " + timer.firstNanos());
        assertTrue(timer.extraNanos() >= 3 * timer.bestNanos(), "three calls after the first: " + timer.extraNanos());
        assertThrows(IllegalArgumentException.class, () -> new SelectionTimer(policy, 0));
    }

    @Test
    void keepsWhatThePolicyKeepsOnItsOwn() {
        var ctx = context();
        Map<String, Object> params = Map.of("budget", 24, "window", WINDOW);
        KeptPositions alone = PolicyRegistry.create("snapkv", params).checkedSelectAfterPrefill(ctx);
        SelectionTimer timer = new SelectionTimer(PolicyRegistry.create("snapkv", params), 3);
        KeptPositions timed = timer.checkedSelectAfterPrefill(ctx);
        for (int l = 0; l < L; l++) {
            for (int h = 0; h < KV; h++) {
                assertArrayEquals(alone.of(l, h), timed.of(l, h), "layer " + l + " kv-head " + h);
            }
        }
    }
}
