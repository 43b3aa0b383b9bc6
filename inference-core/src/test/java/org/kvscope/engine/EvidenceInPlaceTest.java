package org.kvscope.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.trace.AttentionEvidence;
import org.kvscope.trace.AttentionObserver;
import org.kvscope.trace.EvidenceCollector;
import org.junit.jupiter.api.Test;

/**
 * The evidence a policy's prefill gathers reads the attention kernel's rows in place and skips
 * rows it does not need (issue 15's prefill cost), yet holds exactly what an observer that
 * copies every row gathers.
 */
class EvidenceInPlaceTest extends TinyModelPerClass {
    @Test
    void inPlaceEvidenceEqualsEvidenceFromCopiedRows() {
        int[] prompt = TinyModel.prompt(53);
        var c = model.config();
        for (String policy : new String[] {"h2o", "snapkv", "tova"}) {
            InferenceSession s = new InferenceSession(model, new SessionOptions(128, 16));
            var p = PolicyRegistry.create(policy, Map.of("budget", 20));
            s.setPolicy(p);
            AttentionEvidence copied = new AttentionEvidence(c.layers(), c.heads(), c.kvHeads(), prompt.length,
                    p.evidenceWindow(), p.needsAccumulatedAttention());
            EvidenceCollector collector = new EvidenceCollector(copied);
            AtomicInteger rows = new AtomicInteger();
            s.addObserver(new AttentionObserver() { // every row, moved to the front of the scratch (the default)
                @Override
                public void onAttention(int layer, int head, int q, int[] keys, float[] w, int count) {
                    rows.incrementAndGet();
                    collector.onAttention(layer, head, q, keys, w, count);
                }
            });
            s.prefill(prompt);
            assertEquals(c.layers() * c.heads() * prompt.length, rows.get(), policy + ": the copying observer saw every row");
            AttentionEvidence got = s.lastEvidence();
            for (int l = 0; l < c.layers(); l++) {
                for (int h = 0; h < c.heads(); h++) {
                    for (int r = 0; r < got.window(); r++) {
                        assertArrayEquals(copied.row(l, h, r), got.row(l, h, r), policy + " row " + r);
                    }
                    if (got.hasAccumulated()) {
                        assertArrayEquals(copied.accumulated(l, h), got.accumulated(l, h), policy + " accumulated");
                    }
                }
            }
        }
    }
}
