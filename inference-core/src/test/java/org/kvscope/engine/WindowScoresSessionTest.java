package org.kvscope.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.kv.PositionScorer;
import org.kvscope.trace.AttentionEvidence;
import org.kvscope.trace.AttentionObserver;
import org.kvscope.trace.EvidenceCollector;

/**
 * A session's prefill has SnapKV's and TOVA's window scores ready when it ends, equal to the scores the
 * policy computes from the same rows gathered by a copying observer (no scores computed during the prefill).
 */
class WindowScoresSessionTest extends TinyModelPerClass {
    @Test
    void prefillScoresEqualScoresFromCopiedRows() {
        int[] prompt = TinyModel.prompt(61);
        var c = model.config();
        for (String policy : new String[] {"snapkv", "tova"}) {
            InferenceSession s = new InferenceSession(model, new SessionOptions(128, 16));
            CompressionPolicy p = PolicyRegistry.create(policy, Map.of("budget", 20));
            s.setPolicy(p);
            AttentionEvidence copied = new AttentionEvidence(c.layers(), c.heads(), c.kvHeads(), prompt.length,
                    p.evidenceWindow(), false);
            EvidenceCollector collector = new EvidenceCollector(copied);
            s.addObserver(new AttentionObserver() {
                @Override
                public void onAttention(int layer, int head, int q, int[] keys, float[] w, int count) {
                    collector.onAttention(layer, head, q, keys, w, count);
                }
            });
            s.prefill(prompt);
            AttentionEvidence got = s.lastEvidence();
            var fromPrefill = new CompressionPolicy.PrefillContext(c.layers(), c.heads(), c.kvHeads(), prompt.length, 128, got);
            var fromCopies = new CompressionPolicy.PrefillContext(c.layers(), c.heads(), c.kvHeads(), prompt.length, 128,
                    copied);
            for (int l = 0; l < c.layers(); l++) {
                for (int h = 0; h < c.kvHeads(); h++) {
                    assertNotNull(got.windowScores(l, h), policy + " layer " + l + " head " + h);
                    assertArrayEquals(((PositionScorer) p).positionScores(fromCopies, l, h), got.windowScores(l, h),
                            policy + " layer " + l + " head " + h);
                    assertArrayEquals(((PositionScorer) p).positionScores(fromCopies, l, h),
                            ((PositionScorer) p).positionScores(fromPrefill, l, h), policy);
                }
            }
        }
    }
}
