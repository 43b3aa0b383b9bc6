package org.kvscope.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.trace.AttentionEvidence;

/**
 * A session's prefills with two policies in turn (bench-policies' compressed session, a workbench switching
 * policies) gather each policy's evidence into the arrays of its previous prefill's, after a reset too, and hold
 * what a new session's prefill holds: the same rows, sums and kept positions.
 */
class SessionEvidenceReuseTest extends TinyModelPerClass {
    @Test
    void twoPoliciesInTurnEachReuseTheirEvidenceArrays() {
        int[] first = TinyModel.prompt(61), second = TinyModel.prompt(61);
        for (int i = 0; i < second.length; i++) {
            second[i] = first[(i * 7 + 3) % first.length]; // other tokens, the same length: the same shape
        }
        InferenceSession s = new InferenceSession(model, new SessionOptions(128, 16));
        s.setPolicy(PolicyRegistry.create("snapkv", Map.of("budget", 20, "window", 8)));
        s.prefill(first);
        float[] snapRow = s.lastEvidence().row(1, 1, 3);
        s.reset();
        s.setPolicy(PolicyRegistry.create("h2o", Map.of("budget", 20)));
        s.prefill(first);
        float[] h2oSum = s.lastEvidence().accumulated(0, 2);
        for (String policy : new String[] {"snapkv", "h2o"}) {
            Map<String, Object> params = policy.equals("snapkv") ? Map.of("budget", 20, "window", 8) : Map.of("budget", 20);
            s.reset();
            s.setPolicy(PolicyRegistry.create(policy, params));
            s.prefill(second);
            AttentionEvidence got = s.lastEvidence();
            if (policy.equals("snapkv")) {
                assertSame(snapRow, got.row(1, 1, 3), "SnapKV's rows in its previous prefill's arrays");
            } else {
                assertSame(h2oSum, got.accumulated(0, 2), "H2O's sums in its previous prefill's arrays");
            }
            InferenceSession fresh = new InferenceSession(model, new SessionOptions(128, 16));
            fresh.setPolicy(PolicyRegistry.create(policy, params));
            fresh.prefill(second);
            AttentionEvidence want = fresh.lastEvidence();
            assertNotSame(want.windowSum(0, 0), got.windowSum(0, 0));
            var c = model.config();
            for (int l = 0; l < c.layers(); l++) {
                for (int h = 0; h < c.heads(); h++) {
                    for (int r = 0; r < want.window(); r++) {
                        assertArrayEquals(want.row(l, h, r), got.row(l, h, r), policy + " row " + r);
                    }
                    assertArrayEquals(want.windowSum(l, h), got.windowSum(l, h), policy + " window sum");
                    if (want.hasAccumulated()) {
                        assertArrayEquals(want.accumulated(l, h), got.accumulated(l, h), policy + " accumulated");
                    }
                }
                for (int g = 0; g < c.kvHeads(); g++) {
                    assertArrayEquals(java.util.Arrays.copyOf(fresh.cache().positions(l, g), fresh.cache().size(l, g)),
                            java.util.Arrays.copyOf(s.cache().positions(l, g), s.cache().size(l, g)), policy + " kept positions");
                }
            }
        }
    }
}
