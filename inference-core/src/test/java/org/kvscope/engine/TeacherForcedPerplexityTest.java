package org.kvscope.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.kvscope.backend.BackendFactory;
import org.kvscope.backend.Backends;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.KvCache;
import org.kvscope.kv.ParameterSpec;
import org.kvscope.kv.PolicyParameters;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.kv.SnapKvPolicy;
import org.kvscope.kv.StreamingLlmPolicy;
import org.kvscope.metrics.LogProbs;
import org.kvscope.model.Model;
import org.kvscope.model.ModelLoader;
import org.kvscope.model.SharedModels;

/**
 * A continuation teacher-forced in prefill chunks over the compressed cache (policies that do not
 * act while decoding, no decode cap) scores as one decode step per token does: the same negative
 * log-likelihood up to float rounding and the same cache occupancy, for every built-in policy on a
 * synthetic model and on stories260K; policies that only slide windows while decoding (StreamingLLM,
 * DuoAttention: {@link CompressionPolicy#decodeWindows}) teacher-force with a window mask; with a decode
 * cap, and for a policy that evicts otherwise while decoding, {@link CompressedPerplexity} still steps
 * token by token.
 */
class TeacherForcedPerplexityTest extends TinyModelPerClass {
    @Test
    void everyBuiltInPolicyScoresAsStepByStepOnASyntheticModel() {
        int[] tokens = TinyModel.prompt(150);
        everyPolicy(model, Arrays.copyOf(tokens, 96), Arrays.copyOfRange(tokens, 96, 150), 40);
    }

    /** A continuation of 299 fed tokens: two prefill chunks of 256. */
    @Test
    void everyBuiltInPolicyScoresAsStepByStepOnStories260k() throws Exception {
        var file = SharedModels.find("stories260K.gguf");
        Assumptions.assumeTrue(file.isPresent(), SharedModels.missingMessage("stories260K.gguf"));
        try (Model m = ModelLoader.load(file.get())) {
            int[] tokens = new SplittableRandom(3).ints(500, 3, m.config().vocabSize()).toArray();
            everyPolicy(m, Arrays.copyOf(tokens, 200), Arrays.copyOfRange(tokens, 200, 500), 64);
        }
    }

    private static void everyPolicy(Model m, int[] context, int[] continuation, int budget) {
        List<String> names = PolicyRegistry.entries().stream().filter(e -> !e.isPlugin())
                .map(PolicyRegistry.Entry::name).toList();
        assertTrue(names.size() >= 14, names.toString());
        for (String name : names) {
            for (DecodeCap cap : DecodeCap.values()) {
                String what = name + " with decode cap " + cap.id();
                CountingBackends counted = new CountingBackends(context.length);
                CompressedPerplexity.Result fast = CompressedPerplexity.evaluate(counted, m,
                        policy(name, budget), cap, context, continuation, null);
                CompressedPerplexity.Result slow = stepByStep(m, policy(name, budget), cap, context, continuation);
                assertEquals(slow.nll(), fast.nll(), 1e-5 * Math.abs(slow.nll()), what);
                assertEquals(slow.tokens(), fast.tokens(), what);
                assertEquals(slow.occupancy(), fast.occupancy(), what);
                boolean capped = cap == DecodeCap.BUDGET && !name.equals("fullkv"); // FullKV: no budget to hold
                CompressionPolicy fresh = policy(name, budget);
                boolean windowed = !fresh.needsDecodeAttention()
                        && fresh.decodeWindows(m.config().layers(), m.config().kvHeads()) != null;
                // under a cap, only windows bounding every head within it (StreamingLLM at its budget) stay one prefill
                boolean oneForwardPerChunk = capped ? windowed && everyHeadBounded(fresh, m)
                        : !fresh.actsDuringDecode() || windowed;
                int fed = continuation.length - 1;
                if (name.equals("duo-attention")) {
                    continue; // its retrieval probes (once per model) run through the counted backend too
                }
                assertEquals(oneForwardPerChunk ? (fed + 255) / 256 : fed, counted.contextHeld.size(),
                        what + ": forward calls after the context");
            }
        }
    }

    private static boolean everyHeadBounded(CompressionPolicy policy, Model m) {
        org.kvscope.kv.DecodeWindows w = policy.decodeWindows(m.config().layers(), m.config().kvHeads());
        for (int l = 0; l < m.config().layers(); l++) {
            for (int h = 0; h < m.config().kvHeads(); h++) {
                if (!w.bounded(l, h)) {
                    return false;
                }
            }
        }
        return true;
    }

    @Test
    void aPluginThatEvictsWhileDecodingIsSteppedAndItsEvictionsCount() {
        int[] tokens = TinyModel.prompt(150);
        int[] context = Arrays.copyOf(tokens, 96), continuation = Arrays.copyOfRange(tokens, 96, 150);
        CompressedPerplexity.Result evicting = CompressedPerplexity.evaluate(Backends.cpu(), model,
                new EvictingSnapKv(), DecodeCap.NONE, context, continuation, null);
        CompressedPerplexity.Result reference = stepByStep(model, new EvictingSnapKv(), DecodeCap.NONE, context,
                continuation);
        assertEquals(reference, evicting); // the same path: bit for bit
        assertEquals(24.0, evicting.occupancy().peakEntriesPerHead(), 1e-9); // held at 24 after every step
        CompressedPerplexity.Result kept = CompressedPerplexity.evaluate(Backends.cpu(), model,
                policy("snapkv", 24), DecodeCap.NONE, context, continuation, null);
        assertNotEquals(kept.nll(), evicting.nll());
    }

    @Test
    void teacherForcingRefusesWhenDecodeStepsChangeTheCache() {
        try (InferenceSession s = new InferenceSession(model, SessionOptions.ofContext(200))) {
            s.setPolicy(policy("h2o", 24)); // evicts by decode attention: no window to teacher-force in
            s.prefill(TinyModel.prompt(40));
            assertFalse(s.decodeOnlyAppends());
            assertFalse(s.canTeacherForce());
            var e = assertThrows(IllegalStateException.class, () -> s.teacherForce(new int[] {1, 2}, (r, l, o) -> { }));
            assertTrue(e.getMessage().contains("h2o"), e.getMessage());
            assertEquals(40, s.position());
        }
        try (InferenceSession s = new InferenceSession(model, SessionOptions.ofContext(200))) {
            s.setDecodeCap(DecodeCap.BUDGET);
            s.setPolicy(policy("snapkv", 24));
            s.prefill(TinyModel.prompt(40));
            assertFalse(s.decodeOnlyAppends());
        }
    }

    /** Teacher-forcing after a selection leaves the kept context entries alone: no second selection. */
    @Test
    void theSelectionStaysAfterTheContinuation() {
        try (InferenceSession s = new InferenceSession(model, SessionOptions.ofContext(200))) {
            s.setPolicy(policy("snapkv", 24));
            s.prefill(TinyModel.prompt(60));
            int[] selected = held(s.cache(), 1, 1);
            s.teacherForce(new int[] {5, 6, 7}, (r, l, o) -> { });
            int[] after = held(s.cache(), 1, 1);
            assertEquals(27, after.length);
            assertEquals(Arrays.toString(selected), Arrays.toString(Arrays.copyOf(after, 24)));
            assertEquals("[60, 61, 62]", Arrays.toString(Arrays.copyOfRange(after, 24, 27)));
            assertEquals(63, s.position());
        }
    }

    private static int[] held(KvCache c, int l, int h) {
        return Arrays.copyOf(c.positions(l, h), c.size(l, h));
    }

    /** The reference: one decode step per continuation token, as before teacher-forcing existed. */
    private static CompressedPerplexity.Result stepByStep(Model m, CompressionPolicy policy, DecodeCap cap,
                                                          int[] context, int[] continuation) {
        int vocab = m.config().vocabSize();
        try (InferenceSession s = new InferenceSession(m, SessionOptions.ofContext(context.length
                + continuation.length))) {
            s.setDecodeCap(cap);
            s.setPolicy(policy);
            float[] logits = s.prefill(context);
            double nll = 0;
            for (int i = 0; i < continuation.length; i++) {
                nll -= LogProbs.logProb(logits, 0, vocab, continuation[i]);
                if (i + 1 < continuation.length) {
                    logits = s.decode(continuation[i]);
                }
            }
            return new CompressedPerplexity.Result(nll, continuation.length, s.occupancy());
        }
    }

    /** The policy with {@code budget} (and small windows) where it declares them. */
    private static CompressionPolicy policy(String name, int budget) {
        Map<String, Object> values = new HashMap<>();
        for (ParameterSpec p : PolicyRegistry.entry(name).parameters()) {
            switch (p.name()) {
                case "budget" -> values.put("budget", budget);
                case "window", "recent" -> values.put(p.name(), 8);
                default -> { }
            }
        }
        return PolicyRegistry.create(name, values);
    }

    /** A plugin-like SnapKV subclass that also evicts while decoding: StreamingLLM's window at 24. */
    private static final class EvictingSnapKv extends SnapKvPolicy {
        private final StreamingLlmPolicy window = new StreamingLlmPolicy(PolicyParameters.of(StreamingLlmPolicy.specs(),
                Map.of("budget", 24, "sinks", 4)));

        EvictingSnapKv() {
            super(PolicyParameters.of(SnapKvPolicy.specs(), Map.of("budget", 24, "window", 8)));
        }

        @Override
        public int[][][] onDecodeStep(DecodeContext ctx) {
            return window.onDecodeStep(ctx);
        }
    }
}
