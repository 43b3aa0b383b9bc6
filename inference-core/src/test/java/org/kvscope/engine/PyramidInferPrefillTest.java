package org.kvscope.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.trace.AttentionObserver;
import org.junit.jupiter.api.Test;

/**
 * Why PyramidInfer's prefill is much faster than FullKV's (docs/BENCHMARKS.md, issue 15): as the
 * paper does, a token outside a layer's pivotal context is not computed in any deeper layer, so
 * from layer 1 on only the kept rows go through attention and the MLP. Pinned here: the rows each
 * layer computes are exactly the tokens the layer below kept, and the last token's logits equal
 * a plain reference forward pass that runs each token through just the layers it reached.
 */
class PyramidInferPrefillTest extends TinyModelPerClass {
    @Test
    void deeperLayersComputeOnlyTheKeptTokensAndExactlyAsAReferenceDoes() {
        int[] prompt = TinyModel.prompt(48);
        int layers = model.config().layers();
        InferenceSession s = new InferenceSession(model, new SessionOptions(128, 16));
        s.setPolicy(PolicyRegistry.create("pyramidinfer",
                Map.of("budget", "12", "schedule", "pyramid", "sinks", "2", "recent-ratio", "0.1")));
        List<List<Integer>> computed = new ArrayList<>(); // per layer: query positions of head 0
        for (int l = 0; l < layers; l++) {
            computed.add(new ArrayList<>());
        }
        s.addObserver(new AttentionObserver() {
            @Override
            public void onAttention(int layer, int head, int q, int[] keys, float[] w, int count) {
                if (head == 0) { // one thread per (layer, head), layers in turn
                    computed.get(layer).add(q);
                }
            }
        });
        float[] logits = s.prefill(prompt);

        int[] all = new int[prompt.length];
        Arrays.setAll(all, i -> i);
        int[] reached = new int[prompt.length]; // layers each token went through
        long rows = 0;
        for (int l = 0; l < layers; l++) {
            int[] expected = l == 0 ? all : Arrays.copyOf(s.cache().positions(l - 1, 0), s.cache().size(l - 1, 0));
            assertArrayEquals(expected, computed.get(l).stream().mapToInt(Integer::intValue).toArray(), "layer " + l);
            for (int p : expected) {
                reached[p]++;
            }
            rows += expected.length;
        }
        assertTrue(rows < (long) layers * prompt.length * 3 / 4, "deeper layers compute fewer rows: " + rows);

        ReferenceForward ref = new ReferenceForward(model.config(), model.weights(), prompt.length);
        double[] want = null;
        for (int p = 0; p < prompt.length; p++) {
            want = ref.step(prompt[p], reached[p]);
        }
        double err = ForwardParityTest.relativeError(logits, 0, want, model.config().vocabSize());
        assertTrue(err < 1e-4, "relative error " + err);
    }
}
