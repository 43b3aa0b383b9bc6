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
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.backend.Backends;
import org.kvscope.kv.DuoAttentionPolicy;
import org.kvscope.kv.KvCache;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.metrics.PolicyAnalysis;
import org.kvscope.model.Model;
import org.kvscope.model.ModelLoader;
import org.kvscope.model.SharedModels;
import org.kvscope.trace.AttentionObserver;
import org.kvscope.trace.CaptureOptions;

/**
 * KVzip's reconstruction pass and the DuoAttention head split in live sessions, against naive
 * references: one FullKV prefill of "context + repeat prompt + context" observed directly, and
 * needle masses summed from copied attention rows.
 */
class KvzipDuoSessionTest {
    @TempDir
    static Path dir;
    static Model model;
    static int[] prompt;

    @BeforeAll
    static void load() throws Exception {
        model = TinyModel.load(dir);
        prompt = TinyModel.prompt(40);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /**
     * A capture that reconstructs while its cache holds the prompt (analyze's one pass for KVzip) gives
     * the separate pass's scores bit for bit, and decodes and captures as a capture without it.
     */
    @Test
    void captureReconstructsAsTheSeparatePass() {
        var c = model.config();
        CaptureOptions options = new CaptureOptions(8, 32, 4, 6);
        CaptureRun plain = CaptureRun.run(Backends.cpu(), model, prompt, options, p -> { }, () -> false, prompt.length, null);
        CaptureRun with = CaptureRun.run(Backends.cpu(), model, prompt, options, p -> { }, () -> false, prompt.length,
                null, true);
        float[][] separate = ContextReconstruction.score(Backends.cpu(), model, prompt);
        assertTrue(with.capture().evidence().hasReconstruction());
        for (int l = 0; l < c.layers(); l++) {
            for (int h = 0; h < c.kvHeads(); h++) {
                assertArrayEquals(separate[l * c.kvHeads() + h], with.capture().evidence().reconstruction(l, h));
            }
        }
        assertArrayEquals(plain.generated(), with.generated());
        PolicyAnalysis a = PolicyAnalysis.analyze(plain.capture(), PolicyRegistry.create("h2o", Map.of("budget", 12)),
                prompt.length + 7, c.headDim(), 12);
        PolicyAnalysis b = PolicyAnalysis.analyze(with.capture(), PolicyRegistry.create("h2o", Map.of("budget", 12)),
                prompt.length + 7, c.headDim(), 12);
        assertTrue(Arrays.deepEquals(a.recall(), b.recall()), "decode rows after the reconstruction");
        assertArrayEquals(a.pvcOverlap(), b.pvcOverlap());
    }

    /** Max over the reconstruction queries and each kv-head's query heads, from one plain prefill. */
    static float[][] naiveReconstruction(Model m, int[] context) {
        var c = m.config();
        float[][] max = new float[c.layers() * c.kvHeads()][context.length];
        int[] intro = concat(m.tokenizer().encode(ContextReconstruction.FIRST_PROMPT),
                m.tokenizer().encode(ContextReconstruction.SUFFIX));
        maxInto(max, m, context, concat(intro, context));
        return max;
    }

    static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Raises {@code max} to the attention the tokens {@code rest}, run after {@code context}, pay the context. */
    static void maxInto(float[][] max, Model m, int[] context, int[] rest) {
        var c = m.config();
        int n = context.length, group = c.heads() / c.kvHeads();
        int[] all = concat(context, rest);
        try (InferenceSession s = new InferenceSession(m, new SessionOptions(all.length, 16))) {
            s.addObserver((AttentionObserver) (layer, head, q, keys, w, count) -> {
                if (q >= n) {
                    synchronized (max) {
                        for (int i = 0; i < count; i++) {
                            if (keys[i] < n) {
                                float[] row = max[layer * c.kvHeads() + head / group];
                                row[keys[i]] = Math.max(row[keys[i]], w[i]);
                            }
                        }
                    }
                }
            });
            s.prefill(all);
        }
    }

    static long entries(KvCache c) {
        long n = 0;
        for (int l = 0; l < c.layers(); l++) {
            for (int h = 0; h < c.kvHeads(); h++) {
                n += c.size(l, h);
            }
        }
        return n;
    }

    @Test
    void kvzipScoresAreTheMaxAttentionWhileRepeatingAndTheSessionKeepsTheirTopWithinBudget() {
        float[][] naive = naiveReconstruction(model, prompt);
        InferenceSession s = new InferenceSession(model, new SessionOptions(256, 16));
        s.setPolicy(PolicyRegistry.create("kvzip", Map.of("budget", 12)));
        s.prefill(prompt);
        var ev = s.lastEvidence();
        for (int l = 0; l < model.config().layers(); l++) {
            for (int h = 0; h < model.config().kvHeads(); h++) {
                assertArrayEquals(naive[l * model.config().kvHeads() + h], ev.reconstruction(l, h), 1e-5f);
            }
        }
        KvCache c = s.cache();
        assertEquals((long) c.layers() * c.kvHeads() * 12, entries(c));
        assertTrue(s.lastReconstructionNanos() > 0);
        s.reset(); // a later prefill without KVzip reports its own figures, not the last KVzip pass (bench-policies)
        s.setPolicy(null);
        s.prefill(prompt);
        assertEquals(0, s.lastReconstructionNanos());
        assertEquals(0, s.lastSelectionNanos());
        s.reset();
        s.setPolicy(PolicyRegistry.create("kvzip", Map.of("budget", 12)));
        s.prefill(prompt);
        for (int i = 0; i < 4; i++) {
            s.decode(i * 7 % 300);
        }
        // from a capture, with the scores attached afterwards, the same kept set
        CaptureRun run = CaptureRun.run(model, prompt, new CaptureOptions(8, 32, 4, 0));
        PolicyEvidence.complete(Backends.cpu(), model, PolicyRegistry.create("kvzip", Map.of()), run);
        var fromCapture = PolicyAnalysis.analyze(run.capture(), PolicyRegistry.create("kvzip", Map.of("budget", 12)),
                128, model.config().headDim(), 12).kept();
        InferenceSession fresh = new InferenceSession(model, new SessionOptions(256, 16));
        fresh.setPolicy(PolicyRegistry.create("kvzip", Map.of("budget", 12)));
        fresh.prefill(prompt);
        for (int l = 0; l < c.layers(); l++) {
            for (int h = 0; h < c.kvHeads(); h++) {
                KvCache fc = fresh.cache();
                assertArrayEquals(fromCapture.of(l, h), Arrays.copyOf(fc.positions(l, h), fc.size(l, h)));
            }
        }
    }

    @Test
    void kvzipReconstructsInChunksWhenTheCacheIsTightAndEndsWithTheCacheUnchanged() {
        int overhead = ContextReconstruction.overhead(model.tokenizer());
        InferenceSession s = new InferenceSession(model, new SessionOptions(prompt.length + overhead + 20, 64));
        s.prefill(prompt);
        float[][] chunked = s.reconstructionScores(prompt);
        assertEquals(prompt.length, s.cache().size(0, 0), "the reconstruction's entries are dropped");
        // naive: each chunk on a fresh cache holding the context, introduced as the paper does
        int chunk = 20, n = prompt.length;
        float[][] naive = new float[chunked.length][n];
        for (int start = 0; start < n; start += chunk) {
            int[] intro = model.tokenizer().encode(start == 0 ? ContextReconstruction.FIRST_PROMPT
                    : ContextReconstruction.NEXT_PROMPT);
            if (start > 0) {
                intro = concat(intro, Arrays.copyOfRange(prompt, Math.max(0, start - 8), start));
            }
            int[] rest = concat(concat(intro, model.tokenizer().encode(ContextReconstruction.SUFFIX)),
                    Arrays.copyOfRange(prompt, start, Math.min(n, start + chunk)));
            maxInto(naive, model, prompt, rest);
        }
        for (int i = 0; i < naive.length; i++) {
            assertArrayEquals(naive[i], chunked[i], 1e-5f);
        }
        // a cache sized to the prompt alone: the session reconstructs on a scratch cache, with the same result
        InferenceSession tight = new InferenceSession(model, new SessionOptions(prompt.length + 2, 16));
        tight.setPolicy(PolicyRegistry.create("kvzip", Map.of("budget", 12)));
        tight.prefill(prompt);
        float[][] scratch = ContextReconstruction.score(Backends.cpu(), model, prompt);
        for (int i = 0; i < scratch.length; i++) {
            assertArrayEquals(scratch[i], tight.lastEvidence().reconstruction(i / 2, i % 2));
        }
        InferenceSession noRoom = new InferenceSession(model, new SessionOptions(prompt.length + overhead, 16));
        noRoom.prefill(prompt);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> noRoom.reconstructionScores(prompt)).getMessage()
                .startsWith("kvzip's reconstruction pass needs room after the prompt"));
    }

    @Test
    void retrievalScoresAreTheAnswersMassOnTheNeedle() {
        List<RetrievalHeads.Probe> probes = RetrievalHeads.passKeyProbes(model);
        RetrievalHeads measured = RetrievalHeads.measure(Backends.cpu(), model, probes, p -> { }, () -> false);
        var c = model.config();
        double[][] naive = new double[c.layers()][c.heads()];
        for (RetrievalHeads.Probe p : probes) {
            int len = p.tokens().length;
            double[][] mass = new double[c.layers()][c.heads()];
            try (InferenceSession s = new InferenceSession(model, new SessionOptions(len, 16))) {
                s.addObserver((AttentionObserver) (layer, head, q, keys, w, count) -> {
                    if (q + 1 >= p.answerStart() && q + 1 < len) { // the query that predicts an answer token
                        for (int i = 0; i < count; i++) {
                            if (keys[i] >= p.needleStart() && keys[i] < p.needleEnd()) {
                                synchronized (mass) {
                                    mass[layer][head] += w[i];
                                }
                            }
                        }
                    }
                });
                s.prefill(p.tokens());
            }
            for (int l = 0; l < c.layers(); l++) {
                for (int h = 0; h < c.heads(); h++) {
                    naive[l][h] += mass[l][h] / (len - p.answerStart()) / probes.size();
                }
            }
        }
        for (int l = 0; l < c.layers(); l++) {
            for (int h = 0; h < c.heads(); h++) {
                assertEquals(naive[l][h], measured.perQueryHead()[l][h], 1e-5);
            }
            for (int kv = 0; kv < c.kvHeads(); kv++) {
                assertEquals(Math.max(measured.perQueryHead()[l][2 * kv], measured.perQueryHead()[l][2 * kv + 1]),
                        measured.perKvHead()[l][kv]);
            }
        }
    }

    /**
     * Half the way from sinks + recent (8) to the prompt (40): ⌊heads · 16 / 32⌋ retrieval heads,
     * the top ones by the measured scores, hold everything and grow; the others hold their share
     * of the rest (at least 8: 2 sinks and a window ending at the newest token) while decoding.
     */
    @Test
    void duoAttentionStreamingHeadsStayAtTheirShareWhileRetrievalHeadsKeepEverything() {
        InferenceSession s = new InferenceSession(model, new SessionOptions(128, 16));
        int budget = 8 + (prompt.length - 8) / 2;
        DuoAttentionPolicy duo = (DuoAttentionPolicy) PolicyRegistry.create("duo-attention",
                Map.of("budget", budget, "sinks", 2, "recent", 6));
        s.setPolicy(duo);
        s.prefill(prompt);
        int heads = model.config().layers() * model.config().kvHeads();
        int retrievalHeads = heads * (budget - 8) / (prompt.length - 8);
        boolean[][] retrieval = DuoAttentionPolicy.classify(RetrievalHeads.of(Backends.cpu(), model).perKvHead(),
                retrievalHeads / (double) heads);
        assertArrayEquals(retrieval, duo.classification());
        int[][] share = new int[model.config().layers()][model.config().kvHeads()];
        for (int step = 0; step < 5; step++) {
            KvCache c = s.cache();
            int streaming = 0;
            long total = 0;
            for (int l = 0; l < c.layers(); l++) {
                for (int h = 0; h < c.kvHeads(); h++) {
                    int[] held = Arrays.copyOf(c.positions(l, h), c.size(l, h));
                    total += held.length;
                    if (retrieval[l][h]) {
                        assertEquals(s.position(), held.length);
                    } else {
                        streaming++;
                        if (step == 0) {
                            share[l][h] = held.length;
                        }
                        assertEquals(share[l][h], held.length, "a streaming head keeps its share");
                        assertTrue(held.length >= 8);
                        assertArrayEquals(new int[] {0, 1}, Arrays.copyOf(held, 2));
                        assertEquals(s.position() - 1, held[held.length - 1]);
                        assertEquals(s.position() - (held.length - 2), held[2], "one window after the sinks");
                    }
                }
            }
            if (step == 0) {
                assertEquals((long) heads * budget, total, "the budget's entries after prefill");
            }
            assertEquals(heads - retrievalHeads, streaming);
            s.decode(step * 5 % 300);
        }
    }

    /** Held at matched memory, DuoAttention's cache is the budget's at every step; a budget of the prompt is FullKV. */
    @Test
    void duoAttentionAtMatchedMemoryHoldsTheBudgetAndAtTheFullBudgetIsFullKv() {
        int budget = 16;
        InferenceSession capped = new InferenceSession(model, new SessionOptions(128, 16));
        capped.setDecodeCap(DecodeCap.BUDGET);
        capped.setPolicy(PolicyRegistry.create("duo-attention", Map.of("budget", budget, "sinks", 2, "recent", 6)));
        capped.prefill(prompt);
        InferenceSession full = new InferenceSession(model, new SessionOptions(128, 16));
        full.setPolicy(PolicyRegistry.create("fullkv", Map.of()));
        InferenceSession whole = new InferenceSession(model, new SessionOptions(128, 16));
        whole.setPolicy(PolicyRegistry.create("duo-attention", Map.of("budget", prompt.length, "sinks", 2, "recent", 6)));
        assertArrayEquals(full.prefill(prompt), whole.prefill(prompt));
        for (int step = 0; step < 8; step++) {
            capped.decode(step + 1);
            assertArrayEquals(full.decode(step + 1), whole.decode(step + 1), "step " + step);
        }
        assertEquals(budget, capped.occupancy().peakEntriesPerHead(), 1e-9);
        assertEquals(budget, capped.occupancy().meanEntriesPerHead(), 1e-9);
        assertEquals(full.occupancy(), whole.occupancy());
        assertEquals(prompt.length + 8, whole.cache().size(0, 0));
    }

    @Test
    void stories260kKvzipHoldsItsBudgetAndMatchesTheNaiveScores() throws Exception {
        var path = SharedModels.find("stories260K.gguf");
        Assumptions.assumeTrue(path.isPresent(), SharedModels.missingMessage("stories260K.gguf"));
        try (Model m = ModelLoader.load(path.get())) {
            int[] text = m.tokenizer().encodeWithSpecials("Once upon a time, there was a little girl named Lily."
                    + " She loved to play outside in the park with her red ball. One day, she saw a big dog.");
            float[][] naive = naiveReconstruction(m, text);
            InferenceSession s = new InferenceSession(m, new SessionOptions(m.config().contextLength(), 64));
            s.setPolicy(PolicyRegistry.create("kvzip", Map.of("budget-ratio", 0.25)));
            s.prefill(text);
            for (int i = 0; i < naive.length; i++) {
                assertArrayEquals(naive[i], s.lastEvidence().reconstruction(i / m.config().kvHeads(),
                        i % m.config().kvHeads()), 1e-5f);
            }
            long limit = (long) m.config().layers() * m.config().kvHeads() * Math.round(0.25 * text.length);
            assertEquals(limit, entries(s.cache()));
        }
    }
}
