package org.kvscope.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kvscope.trace.AttentionEvidence;

/** What a policy says it keeps per layer ({@link CompressionPolicy#layerBudgets}) is what it keeps. */
class LayerBudgetsTest {
    private static final int L = NewPoliciesTest.L, N = NewPoliciesTest.N;

    private static int[] keptPerLayer(KeptPositions kept) {
        int[] out = new int[L];
        for (int l = 0; l < L; l++) {
            out[l] = kept.of(l, 0).length;
        }
        return out;
    }

    private static CompressionPolicy.PrefillContext withoutEvidence() {
        return new CompressionPolicy.PrefillContext(L, NewPoliciesTest.H, NewPoliciesTest.KV, N, N, null);
    }

    @Test
    void cakeAnswersWithItsCascadeOnAPromptsAttentionAndUniformBeforeIt() {
        AttentionEvidence ev = NewPoliciesTest.layeredEvidence(8, 11);
        CompressionPolicy cake = PolicyRegistry.create("cake", Map.of("budget", 12, "window", 6));
        int[] budgets = cake.layerBudgets(NewPoliciesTest.ctx(ev));
        assertArrayEquals(keptPerLayer(cake.checkedSelectAfterPrefill(NewPoliciesTest.ctx(ev))), budgets);
        assertNotEquals(budgets[0], budgets[L - 1], Arrays.toString(budgets));
        assertArrayEquals(new int[] {12, 12, 12}, cake.layerBudgets(withoutEvidence()));
    }

    @Test
    void theAutoScheduleIsMeasuredFromThePrompt() {
        AttentionEvidence ev = NewPoliciesTest.layeredEvidence(8, 11);
        CompressionPolicy snap = PolicyRegistry.create("snapkv", Map.of("budget", 12, "window", 4, "schedule", "auto"));
        int[] budgets = snap.layerBudgets(NewPoliciesTest.ctx(ev));
        assertArrayEquals(keptPerLayer(snap.checkedSelectAfterPrefill(NewPoliciesTest.ctx(ev))), budgets);
        assertNotEquals(budgets[0], budgets[L - 1], Arrays.toString(budgets));
        assertArrayEquals(new int[] {12, 12, 12}, snap.layerBudgets(withoutEvidence()), "uniform until measured");
    }

    @Test
    void pyramidInferAndBudgetedPoliciesAnswerWithoutEvidence() {
        PyramidInferPolicy pi = (PyramidInferPolicy) PolicyRegistry.create("pyramidinfer", Map.of("budget", 16));
        assertArrayEquals(pi.layerKeep(L, N), pi.layerBudgets(withoutEvidence()));
        assertArrayEquals(new int[] {10, 10, 10}, PolicyRegistry.create("streamingllm", Map.of("budget", 10))
                .layerBudgets(withoutEvidence()));
        assertArrayEquals(new int[] {N, N, N}, PolicyRegistry.create("fullkv", Map.of()).layerBudgets(withoutEvidence()));
    }
}
