package org.kvscope.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.backend.Backends;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.KeyNorms;
import org.kvscope.kv.KvCache;
import org.kvscope.kv.KvCacheType;
import org.kvscope.kv.ParameterSpec;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.gguf.GGMLType;
import org.kvscope.model.Model;
import org.kvscope.model.ModelLoader;
import org.kvscope.model.ModelShape;
import org.kvscope.model.SharedModels;
import org.kvscope.model.SyntheticModelWriter;
import org.kvscope.trace.AttentionEvidence;
import org.kvscope.trace.CaptureOptions;

/**
 * A policy's context prefill continued from a capture's first chunks ({@link PrefillFork}) gives what a
 * prefill of the whole context gives, bit for bit: the logits, the evidence the policy scored from,
 * the kept cache, and the perplexity of the continuation with and without a decode cap, for every
 * built-in policy the fork applies to (all but PyramidInfer's pruning prefill), on generated models and on
 * stories260K; the capture itself is unchanged by lending.
 */
class PrefillForkTest {
    @TempDir
    static Path dir;
    static Model tiny;
    /** A generated model of stories260K's shape (context 2048): analyze's chunks of 256 fit. */
    static Model stories;

    @BeforeAll
    static void load() throws Exception {
        tiny = TinyModel.load(dir);
        Path file = dir.resolve("stories.gguf");
        SyntheticModelWriter.write(ModelShape.TINY_STORIES, GGMLType.F32, file, 5);
        stories = ModelLoader.load(file);
    }

    @AfterAll
    static void close() {
        tiny.close();
        stories.close();
    }

    /**
     * The vector kernels' path (tiny-llama, context 256): chunks of 64, so 128 of 150 context tokens are
     * lent; after the prefill, eight decode steps (the policies that evict while decoding) give the same logits.
     */
    @Test
    void everyBuiltInPolicyOnASyntheticModel() {
        int[] prompt = TinyModel.prompt(200);
        SessionOptions options = new SessionOptions(200, 64);
        for (String name : names()) {
            PrefillFork fork = PrefillFork.of(options, tiny.config(), policy(name, 24), Arrays.copyOf(prompt, 150));
            if (fork == null) {
                assertEquals("pyramidinfer", name, "only a pruning prefill cannot be forked");
                continue;
            }
            assertEquals(128, fork.boundary());
            lendFrom(tiny, options, prompt, fork);
            try (InferenceSession whole = new InferenceSession(tiny, options);
                 InferenceSession forked = new InferenceSession(tiny, options)) {
                samePrefill(name, whole, forked, policy(name, 24), policy(name, 24), Arrays.copyOf(prompt, 150), fork);
                for (int t = 150; t < 158; t++) {
                    assertArrayEquals(whole.decode(prompt[t]), forked.decode(prompt[t]), name + ": decode " + t);
                    sameCache(name + " after decode " + t, whole.cache(), forked.cache());
                }
            }
        }
    }

    /**
     * analyze's shape and path on the benchmark's model: 700 tokens, the first 525 the context, the
     * capture lends two chunks of 256; the perplexity of the other 175 as analyze scores it.
     */
    @Test
    void everyBuiltInPolicyOnStories260k() throws Exception {
        var file = SharedModels.find("stories260K.gguf");
        Assumptions.assumeTrue(file.isPresent(), SharedModels.missingMessage("stories260K.gguf"));
        try (Model m = ModelLoader.load(file.get())) {
            everyPolicyAsAnalyzeRunsIt(m, 700);
        }
    }

    /** The same on a generated model of stories260K's shape (present wherever the tests run), 360 tokens: one chunk lent. */
    @Test
    void everyBuiltInPolicyOnAGeneratedStoriesModel() {
        everyPolicyAsAnalyzeRunsIt(stories, 360);
    }

    /** A prompt of {@code length} tokens, its first three quarters the context (analyze's default split). */
    private static void everyPolicyAsAnalyzeRunsIt(Model m, int length) {
        int[] prompt = new SplittableRandom(3).ints(length, 3, m.config().vocabSize()).toArray();
        int[] context = Arrays.copyOf(prompt, length - length / 4);
        int[] continuation = Arrays.copyOfRange(prompt, context.length, length);
        SessionOptions options = CompressedPerplexity.sessionOptions(Backends.cpu(), context.length,
                continuation.length);
        for (String name : names()) {
            PrefillFork fork = PrefillFork.of(options, m.config(), policy(name, 64), context);
            if (fork == null) {
                assertEquals("pyramidinfer", name, "only a pruning prefill cannot be forked");
                continue;
            }
            assertEquals((context.length - 1) / 256 * 256, fork.boundary());
            lendFrom(m, options, prompt, fork);
            try (InferenceSession whole = new InferenceSession(m, options);
                 InferenceSession forked = new InferenceSession(m, options)) {
                samePrefill(name, whole, forked, policy(name, 64), policy(name, 64), context, fork);
            }
            CompressedPerplexity.Result fromScratch = CompressedPerplexity.evaluate(Backends.cpu(), m,
                    policy(name, 64), DecodeCap.NONE, context, continuation, null);
            PrefillFork captured = PrefillFork.of(options, m.config(), policy(name, 64), context);
            CaptureRun.run(Backends.cpu(), m, prompt, new CaptureOptions(64, 128, 4, 16), p -> { }, () -> false,
                    context.length - 1, null, policy(name, 64).needsContextReconstruction(), captured);
            assertEquals(fromScratch, CompressedPerplexity.evaluate(Backends.cpu(), m, policy(name, 64),
                    DecodeCap.NONE, captured, continuation, null), name + ": nll bit for bit, occupancy");
        }
    }

    private static List<String> names() {
        List<String> names = PolicyRegistry.entries().stream().filter(e -> !e.isPlugin())
                .map(PolicyRegistry.Entry::name).toList();
        assertTrue(names.size() >= 14, names.toString());
        return names;
    }

    /** A session without a policy prefills the prompt's first chunks as a capture does and lends them. */
    private static void lendFrom(Model m, SessionOptions options, int[] prompt, PrefillFork fork) {
        try (InferenceSession donor = new InferenceSession(m, new SessionOptions(prompt.length, options.prefillChunk(),
                options.backend()))) {
            if (fork.collector() != null) {
                donor.addObserver(fork.collector());
            }
            for (int off = 0; off < fork.boundary(); off += options.prefillChunk()) {
                donor.prefill(Arrays.copyOfRange(prompt, off, off + options.prefillChunk()));
            }
            fork.lend(donor, prompt);
        }
    }

    /** Logits, evidence, kept cache and occupancy right after the context's prefill, whole against forked. */
    private static void samePrefill(String name, InferenceSession whole, InferenceSession forked, CompressionPolicy a,
                                    CompressionPolicy b, int[] context, PrefillFork fork) {
        whole.setPolicy(a);
        forked.setPolicy(b);
        assertArrayEquals(whole.prefill(context), forked.prefill(fork), name + ": last logits");
        assertEquals(whole.position(), forked.position(), name);
        sameEvidence(name, whole.lastEvidence(), forked.lastEvidence());
        sameCache(name, whole.cache(), forked.cache());
        assertEquals(whole.occupancy(), forked.occupancy(), name);
    }

    /** A capture of {@code prompt} (analyze's) that lends its first chunks to a fork of {@code probe}'s context prefill. */
    private static PrefillFork lent(Model m, int[] prompt, CompressionPolicy probe, int[] context, int continuation) {
        PrefillFork fork = PrefillFork.of(CompressedPerplexity.sessionOptions(Backends.cpu(), context.length,
                continuation), m.config(), probe, context);
        CaptureRun.run(Backends.cpu(), m, prompt, new CaptureOptions(64, 128, 4, 4), p -> { }, () -> false,
                context.length - 1, null, probe.needsContextReconstruction(), fork);
        return fork;
    }

    private static void sameEvidence(String name, AttentionEvidence a, AttentionEvidence b) {
        if (a == null || b == null) {
            assertEquals(a, b, name + ": evidence");
            return;
        }
        assertEquals(a.keyCount(), b.keyCount(), name);
        assertEquals(a.window(), b.window(), name);
        for (int l = 0; l < a.layers(); l++) {
            for (int h = 0; h < a.heads(); h++) {
                for (int r = 0; r < a.window(); r++) {
                    assertArrayEquals(a.row(l, h, r), b.row(l, h, r), name + ": window row " + r);
                }
                assertArrayEquals(a.windowSum(l, h), b.windowSum(l, h), name + ": window sum");
                if (a.hasAccumulated()) {
                    assertArrayEquals(a.accumulated(l, h), b.accumulated(l, h), name + ": accumulated");
                }
                if (a.hasWindowMoments()) {
                    assertArrayEquals(a.windowWeightSums(l, h), b.windowWeightSums(l, h), name + ": window moments");
                    assertArrayEquals(a.windowSquareSums(l, h), b.windowSquareSums(l, h), name + ": window moments");
                    for (int r = 0; r < a.window(); r++) {
                        assertEquals(a.windowEntropy(l, h, r), b.windowEntropy(l, h, r), name + ": window entropy");
                    }
                }
            }
            for (int kvh = 0; a.windowScoring() != null && kvh < a.kvHeads(); kvh++) {
                assertArrayEquals(a.windowScores(l, kvh), b.windowScores(l, kvh), name + ": window scores");
            }
            for (int kvh = 0; a.hasReconstruction() && kvh < a.kvHeads(); kvh++) {
                assertArrayEquals(a.reconstruction(l, kvh), b.reconstruction(l, kvh), name + ": reconstruction");
            }
        }
        assertEquals(a.hasAccumulated(), b.hasAccumulated(), name);
        assertEquals(a.hasWindowMoments(), b.hasWindowMoments(), name);
        assertEquals(a.windowScoring(), b.windowScoring(), name);
        assertEquals(a.hasReconstruction(), b.hasReconstruction(), name);
        assertEquals(a.hasRetrievalScores(), b.hasRetrievalScores(), name);
        if (a.hasRetrievalScores()) {
            assertTrue(Arrays.deepEquals(a.retrievalScores(), b.retrievalScores()), name + ": retrieval scores");
        }
    }

    private static void sameCache(String name, KvCache a, KvCache b) {
        int hd = a.headDim();
        for (int l = 0; l < a.layers(); l++) {
            for (int h = 0; h < a.kvHeads(); h++) {
                int n = a.size(l, h);
                String where = name + ": layer " + l + " kv-head " + h;
                assertArrayEquals(Arrays.copyOf(a.positions(l, h), n), Arrays.copyOf(b.positions(l, h), b.size(l, h)),
                        where + " kept positions");
                assertArrayEquals(Arrays.copyOf(a.keys(l, h), n * hd), Arrays.copyOf(b.keys(l, h), n * hd), where);
                assertArrayEquals(Arrays.copyOf(a.values(l, h), n * hd), Arrays.copyOf(b.values(l, h), n * hd), where);
                KeyNorms na = a.keyNorms(l, h), nb = b.keyNorms(l, h); // K-norm's and KeyDiff's recorded sums
                assertEquals(na == null, nb == null, where + " key norms recorded");
                if (na != null) {
                    assertArrayEquals(na.squares(), nb.squares(), where + " key norms");
                    assertArrayEquals(na.normalisedSum(), nb.normalisedSum(), where + " key norms");
                }
            }
        }
    }

    @Test
    void lendingLeavesTheCaptureAsItWas() {
        int[] prompt = TinyModel.prompt(340);
        int[] context = Arrays.copyOf(prompt, 270);
        CaptureOptions options = new CaptureOptions(64, 128, 4, 4);
        CaptureRun plain = CaptureRun.run(stories, prompt, options);
        PrefillFork fork = PrefillFork.of(CompressedPerplexity.sessionOptions(Backends.cpu(), 270, 70), stories.config(),
                policy("h2o", 24), context);
        assertNotNull(fork);
        assertEquals(256, fork.boundary());
        CaptureRun lending = CaptureRun.run(Backends.cpu(), stories, prompt, options, p -> { }, () -> false, 340, null,
                false, fork);
        assertArrayEquals(plain.generated(), lending.generated());
        sameEvidence("capture", plain.capture().evidence(), lending.capture().evidence());
    }

    @Test
    void forksOnlyWhatItCanContinueExactly() {
        int[] context = TinyModel.prompt(270);
        CompressionPolicy snapkv = policy("snapkv", 24);
        assertNull(PrefillFork.of(CompressedPerplexity.sessionOptions(Backends.cpu(KvCacheType.Q8_0), 270, 70),
                stories.config(), snapkv, context), "a quantized cache");
        assertNull(PrefillFork.of(CompressedPerplexity.sessionOptions(Backends.cpu(), 256, 70), stories.config(), snapkv,
                Arrays.copyOf(context, 256)), "nothing left after the only whole chunk");
        assertNull(PrefillFork.of(CompressedPerplexity.sessionOptions(Backends.cpu(), 270, 70), stories.config(),
                policy("pyramidinfer", 24), context), "a pruning prefill");
    }

    @Test
    void aForkRefusesOtherTokensAndASecondUse() {
        int[] prompt = TinyModel.prompt(340);
        int[] context = Arrays.copyOf(prompt, 270);
        SessionOptions options = CompressedPerplexity.sessionOptions(Backends.cpu(), 270, 70);
        int[] other = prompt.clone();
        other[3]++;
        PrefillFork fork = PrefillFork.of(options, stories.config(), policy("snapkv", 24), context);
        var e = assertThrows(IllegalStateException.class, () -> CaptureRun.run(Backends.cpu(), stories, other,
                new CaptureOptions(64, 128, 4, 0), p -> { }, () -> false, 340, null, false, fork));
        assertTrue(e.getMessage().contains("first 256 tokens"), e.getMessage());
        PrefillFork used = lent(stories, prompt, policy("snapkv", 24), context, 70);
        try (InferenceSession s = new InferenceSession(stories, options)) {
            s.setPolicy(policy("snapkv", 24));
            s.prefill(used);
        }
        try (InferenceSession s = new InferenceSession(stories, options)) {
            s.setPolicy(policy("snapkv", 24));
            assertThrows(IllegalStateException.class, () -> s.prefill(used));
        }
        try (InferenceSession s = new InferenceSession(stories, options)) {
            s.setPolicy(policy("h2o", 24)); // accumulated attention: not what the fork gathered for SnapKV
            var wrong = assertThrows(IllegalStateException.class,
                    () -> s.prefill(lent(stories, prompt, policy("snapkv", 24), context, 70)));
            assertTrue(wrong.getMessage().contains("h2o"), wrong.getMessage());
        }
    }

    /** The policy with {@code budget} where it declares one, other parameters at their defaults. */
    private static CompressionPolicy policy(String name, int budget) {
        Map<String, Object> values = new HashMap<>();
        for (ParameterSpec p : PolicyRegistry.entry(name).parameters()) {
            if (p.name().equals("budget")) {
                values.put("budget", budget);
            }
        }
        return PolicyRegistry.create(name, values);
    }
}
