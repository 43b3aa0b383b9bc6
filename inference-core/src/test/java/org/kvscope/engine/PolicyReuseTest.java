package org.kvscope.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.KvCache;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.model.ModelShape;
import org.kvscope.sampling.Sampler;

/**
 * One policy instance serving prefill after prefill (the session reset between two prompts, then another session)
 * keeps and evicts, after the prefill and while decoding, what a fresh instance does each time: what the policies
 * make before a prefill and reuse (KeyDiff's score buffers, KVzip's scratch) or make at the first decode step
 * (PyramidInfer's accumulators) carries nothing from one prompt to the next (docs/BENCHMARKS.md, issue 15).
 */
class PolicyReuseTest extends TinyModelPerClass {
    static final Map<String, Map<String, String>> POLICIES = new LinkedHashMap<>();

    static {
        POLICIES.put("keydiff", Map.of("budget", "20", "recent", "2"));
        POLICIES.put("kvzip", Map.of("budget", "16"));
        POLICIES.put("cake", Map.of("budget", "16", "window", "4"));
        POLICIES.put("pyramidinfer", Map.of("budget", "20", "schedule", "pyramid", "sinks", "2",
                "recent-ratio", "0.1", "recent-window", "4", "block", "4"));
    }


    @ParameterizedTest
    @ValueSource(strings = {"keydiff", "kvzip", "cake", "pyramidinfer"})
    void aPolicyUsedAgainKeepsWhatAFreshOneKeeps(String name) {
        int[] a = prompt(9, 48), b = prompt(10, 40);
        CompressionPolicy reused = PolicyRegistry.create(name, POLICIES.get(name));
        List<String> first, second, third;
        try (InferenceSession s = session(reused)) {
            first = run(s, a);
            s.reset();
            second = run(s, b);
        }
        try (InferenceSession s = session(reused)) {
            third = run(s, a);
        }
        List<String> freshA = fresh(name, a);
        assertEquals(freshA, first, name + ", first prompt");
        assertEquals(fresh(name, b), second, name + ", second prompt after a reset");
        assertEquals(freshA, third, name + ", first prompt again in another session");
    }

    private static List<String> fresh(String name, int[] prompt) {
        try (InferenceSession s = session(PolicyRegistry.create(name, POLICIES.get(name)))) {
            return run(s, prompt);
        }
    }

    private static InferenceSession session(CompressionPolicy policy) {
        InferenceSession s = new InferenceSession(model, new SessionOptions(256, 16));
        s.setPolicy(policy);
        return s;
    }

    /** The cache's positions per (layer, kv-head) and the logits' hash after the prefill and after each of 12 decode steps. */
    private static List<String> run(InferenceSession s, int[] prompt) {
        List<String> out = new ArrayList<>();
        float[] logits = s.prefill(prompt);
        out.add(state(s.cache(), logits));
        for (int i = 0; i < 12; i++) {
            logits = s.decode(Sampler.argmax(logits));
            out.add(state(s.cache(), logits));
        }
        return out;
    }

    private static String state(KvCache cache, float[] logits) {
        StringBuilder sb = new StringBuilder(Integer.toHexString(Arrays.hashCode(logits)));
        for (int l = 0; l < cache.layers(); l++) {
            for (int h = 0; h < cache.kvHeads(); h++) {
                sb.append(' ').append(Arrays.toString(Arrays.copyOf(cache.positions(l, h), cache.size(l, h))));
            }
        }
        return sb.toString();
    }

    private static int[] prompt(long seed, int length) {
        return new SplittableRandom(seed).ints(length, 0, ModelShape.TINY_LLAMA.vocab).toArray();
    }
}
