package org.kvscope.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.KeptPositions;
import org.kvscope.kv.KvCache;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.metrics.PolicyAnalysis;
import org.kvscope.model.Model;
import org.kvscope.trace.CaptureOptions;

/** Policies applied by a live session on a generated model. */
class SessionPolicyTest {
    @TempDir
    static Path dir;
    static Model model;
    static int[] prompt;

    @BeforeAll
    static void load() throws Exception {
        model = TinyModel.load(dir);
        prompt = TinyModel.prompt(48);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static float[][] run(CompressionPolicy policy, int decodeSteps) {
        InferenceSession s = new InferenceSession(model, new SessionOptions(128, 16));
        s.setPolicy(policy);
        float[][] out = new float[decodeSteps + 1][];
        out[0] = s.prefill(prompt);
        for (int i = 1; i <= decodeSteps; i++) {
            out[i] = s.decode(i * 7 % 300);
        }
        return out;
    }

    @Test
    void fullKvIsBitIdenticalToNoPolicy() {
        float[][] none = run(null, 6);
        float[][] full = run(PolicyRegistry.create("fullkv", Map.of()), 6);
        for (int i = 0; i < none.length; i++) {
            assertArrayEquals(none[i], full[i], "step " + i);
        }
    }

    @Test
    void streamingLlmHoldsSinksAndWindowWhileDecoding() {
        InferenceSession s = new InferenceSession(model, new SessionOptions(128, 16));
        s.setPolicy(PolicyRegistry.create("streamingllm", Map.of("budget", "12", "sinks", "2")));
        s.prefill(prompt);
        for (int i = 0; i < 5; i++) {
            s.decode(3);
        }
        int[] expected = {0, 1, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52};
        for (int l = 0; l < model.config().layers(); l++) {
            for (int h = 0; h < model.config().kvHeads(); h++) {
                assertArrayEquals(expected, Arrays.copyOf(s.cache().positions(l, h), s.cache().size(l, h)));
            }
        }
    }

    @Test
    void snapKvCacheHoldsExactlyTheSelectedPositionsAndChangesLogits() {
        InferenceSession s = new InferenceSession(model, new SessionOptions(128, 16));
        CompressionPolicy p = PolicyRegistry.create("snapkv", Map.of("budget", "16", "window", "4"));
        s.setPolicy(p);
        float[] compressed = s.prefill(prompt);
        var ctx = new CompressionPolicy.PrefillContext(model.config().layers(), model.config().heads(),
                model.config().kvHeads(), prompt.length, 128, s.lastEvidence());
        KeptPositions kept = p.selectAfterPrefill(ctx);
        for (int l = 0; l < model.config().layers(); l++) {
            for (int h = 0; h < model.config().kvHeads(); h++) {
                assertEquals(16, s.cache().size(l, h));
                assertArrayEquals(kept.of(l, h), Arrays.copyOf(s.cache().positions(l, h), 16));
            }
        }
        float[] afterCompressed = s.decode(5);
        float[] afterFull = fullThenDecode(5);
        assertTrue(!Arrays.equals(afterCompressed, afterFull), "compression should change the next logits");
        assertEquals(compressed.length, afterCompressed.length);
    }

    private static float[] fullThenDecode(int token) {
        InferenceSession s = new InferenceSession(model, new SessionOptions(128, 16));
        s.prefill(prompt);
        return s.decode(token);
    }

    @Test
    void h2oNeverExceedsItsBudgetWhileDecoding() {
        InferenceSession s = new InferenceSession(model, new SessionOptions(128, 16));
        s.setPolicy(PolicyRegistry.create("h2o", Map.of("budget", "20", "recent", "4")));
        s.prefill(prompt);
        for (int i = 0; i < 10; i++) {
            s.decode(i + 1);
            for (int l = 0; l < model.config().layers(); l++) {
                for (int h = 0; h < model.config().kvHeads(); h++) {
                    assertEquals(20, s.cache().size(l, h));
                    int[] pos = Arrays.copyOf(s.cache().positions(l, h), 20);
                    assertEquals(prompt.length + i, pos[19], "the newest token is always kept");
                }
            }
        }
    }

    @Test
    void pyramidInferShrinksDeeperLayersAndKeepsRecentAndSinks() {
        InferenceSession s = new InferenceSession(model, new SessionOptions(128, 16));
        var p = (org.kvscope.kv.PyramidInferPolicy) PolicyRegistry.create("pyramidinfer",
                Map.of("budget", "20", "schedule", "pyramid", "beta", "2", "sinks", "2", "recent-ratio", "0.1"));
        s.setPolicy(p);
        float[] logits = s.prefill(prompt);
        int[] keep = p.layerKeep(model.config().layers(), prompt.length);
        assertEquals(2 * 20, keep[0] + keep[1]);
        assertTrue(keep[1] < keep[0], Arrays.toString(keep));
        for (int l = 0; l < model.config().layers(); l++) {
            for (int h = 0; h < model.config().kvHeads(); h++) {
                int[] pos = Arrays.copyOf(s.cache().positions(l, h), s.cache().size(l, h));
                assertEquals(keep[l], pos.length, "layer " + l);
                assertEquals(0, pos[0]);
                assertEquals(1, pos[1]);
                assertEquals(prompt.length - 1, pos[pos.length - 1]);
            }
        }
        // deeper layer's kept positions are a subset of the shallower layer's
        int[] l0 = Arrays.copyOf(s.cache().positions(0, 0), s.cache().size(0, 0));
        int[] l1 = Arrays.copyOf(s.cache().positions(1, 0), s.cache().size(1, 0));
        for (int p1 : l1) {
            assertTrue(Arrays.binarySearch(l0, p1) >= 0, "layer 1 position " + p1 + " not computed at layer 0");
        }
        assertEquals(model.config().vocabSize(), logits.length);
        for (int i = 0; i < 40; i++) {
            s.decode(i % 50);
        }
        assertTrue(s.cache().size(0, 0) < keep[0] + 40, "generated blocks are compressed too");
    }

    @Test
    void budgetLargerThanContextIsRejected() {
        InferenceSession s = new InferenceSession(model, new SessionOptions(32, 16));
        s.setPolicy(PolicyRegistry.create("snapkv", Map.of("budget", "64"))); // above the prompt: keeps everything
        var e = assertThrows(IllegalArgumentException.class,
                () -> s.setPolicy(PolicyRegistry.create("snapkv", Map.of("budget", "100000"))));
        assertTrue(e.getMessage().contains("budget"), e.getMessage());
    }

    // TOVA, K-norm, KeyDiff, Ada-KV, CAKE and the auto schedule (issue 15)
    static final int BUDGET = 16;

    static long entries(KvCache c) {
        long n = 0;
        for (int l = 0; l < c.layers(); l++) {
            n += c.keptSlots(l);
        }
        return n;
    }

    @Test
    void everyNewPolicyHoldsItsBudgetAfterPrefill() {
        Map<String, Map<String, Object>> configs = Map.of(
                "tova", Map.of("budget", BUDGET),
                "knorm", Map.of("budget", BUDGET),
                "keydiff", Map.of("budget", BUDGET, "recent", 2),
                "ada-snapkv", Map.of("budget", BUDGET, "window", 4),
                "ada-pyramidkv", Map.of("budget", BUDGET, "window", 4, "beta", 4.0),
                "cake", Map.of("budget", BUDGET, "window", 8),
                "snapkv", Map.of("budget", BUDGET, "window", 4, "schedule", "auto"));
        configs.forEach((name, params) -> {
            InferenceSession s = new InferenceSession(model, new SessionOptions(128, 16));
            s.setPolicy(PolicyRegistry.create(name, params));
            s.prefill(prompt);
            KvCache c = s.cache();
            long limit = (long) c.layers() * c.kvHeads() * BUDGET;
            assertTrue(entries(c) <= limit && entries(c) >= limit - c.layers() * c.kvHeads(),
                    name + " keeps " + entries(c) + " of a budget of " + limit);
            for (int i = 0; i < 4; i++) {
                s.decode(i * 7 % 300);
            }
        });
    }

    /** CAKE's evidence adds up its window rows' moments, K-norm's and KeyDiff's cache records key norms; no other policy pays for either. */
    @Test
    void onlyThePoliciesThatReadThemGatherWindowMomentsOrKeyNorms() {
        for (String name : List.of("cake", "snapkv", "knorm", "keydiff", "h2o")) {
            InferenceSession s = new InferenceSession(model, new SessionOptions(128, 16));
            s.setPolicy(PolicyRegistry.create(name, Map.of("budget", prompt.length)));
            s.prefill(prompt);
            boolean evidence = s.lastEvidence() != null;
            assertEquals(name.equals("cake"), evidence && s.lastEvidence().hasWindowMoments(), name);
            boolean norms = name.equals("knorm") || name.equals("keydiff");
            for (int l = 0; l < model.config().layers(); l++) {
                for (int h = 0; h < model.config().kvHeads(); h++) {
                    assertEquals(norms, s.cache().keyNorms(l, h) != null, name + " layer " + l + " head " + h);
                }
            }
        }
    }

    @Test
    void tovaStaysAtItsBudgetWhileDecoding() {
        InferenceSession s = new InferenceSession(model, new SessionOptions(128, 16));
        s.setPolicy(PolicyRegistry.create("tova", Map.of("budget", BUDGET)));
        s.prefill(prompt);
        for (int i = 0; i < 8; i++) {
            s.decode(i * 11 % 300);
            KvCache c = s.cache();
            for (int l = 0; l < c.layers(); l++) {
                for (int h = 0; h < c.kvHeads(); h++) {
                    assertEquals(BUDGET, c.size(l, h));
                    assertEquals(s.position() - 1, c.positions(l, h)[BUDGET - 1], "the newest token stays");
                    assertArrayEquals(java.util.Arrays.copyOf(c.positions(l, 0), BUDGET),
                            java.util.Arrays.copyOf(c.positions(l, h), BUDGET), "layer granularity: heads agree");
                }
            }
        }
    }

    @Test
    void keyScoredPoliciesKeepTheSameInASessionAsFromACapture() {
        CaptureRun run = CaptureRun.run(model, prompt, new CaptureOptions(8, 32, 4, 0));
        for (String name : List.of("knorm", "keydiff")) {
            CompressionPolicy p = PolicyRegistry.create(name, Map.of("budget", BUDGET));
            var fromCapture = PolicyAnalysis.analyze(run.capture(), p, 128, model.config().headDim(), BUDGET).kept();
            InferenceSession s = new InferenceSession(model, new SessionOptions(128, 16));
            s.setPolicy(PolicyRegistry.create(name, Map.of("budget", BUDGET)));
            s.prefill(prompt);
            KvCache c = s.cache();
            for (int l = 0; l < c.layers(); l++) {
                for (int h = 0; h < c.kvHeads(); h++) {
                    assertArrayEquals(fromCapture.of(l, h), java.util.Arrays.copyOf(c.positions(l, h), c.size(l, h)),
                            name + " layer " + l + " head " + h);
                }
            }
        }
    }
}
