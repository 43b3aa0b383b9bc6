package org.kvscope.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kvscope.backend.BackendFactory;
import org.kvscope.backend.Backends;
import org.kvscope.gguf.GGMLType;
import org.kvscope.kv.KvCache;
import org.kvscope.kv.KvCacheType;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.model.Model;
import org.kvscope.model.ModelLoader;
import org.kvscope.model.ModelShape;
import org.kvscope.model.SharedModels;
import org.kvscope.model.SyntheticModelWriter;

/** Whole model runs with each KV cache type: close to F32, prefill agreeing with decode, with eviction. */
class CacheTypeRunsTest {
    @TempDir
    static Path dir;
    static Path tiny;

    /** A children's story of about 200 tokens for stories260K. */
    static final String STORY = "Once upon a time, there was a little girl named Lily. She loved to play outside in the "
            + "park with her red ball. One day, she saw a big dog under a tree. The dog was sad because it was lost. "
            + "Lily said, \"Do not be sad, dog. I will help you find your home.\" They walked and walked until they "
            + "saw a small house with a blue door. A kind old man came out and smiled. \"Thank you for bringing my "
            + "dog back,\" he said. He gave Lily a cookie and they all sat in the sun. Lily was happy because she "
            + "had made a new friend. From that day on, Lily and the dog played in the park every morning, and the "
            + "old man watched them and laughed.";

    @BeforeAll
    static void synthesize() throws Exception {
        tiny = dir.resolve("tiny-llama.gguf"); // head size 64: two whole blocks per vector
        SyntheticModelWriter.write(ModelShape.TINY_LLAMA, GGMLType.F32, tiny, 13);
    }

    /** Logits of every position: prefill in chunks of {@code chunk} (1 = decode one token at a time). */
    private static float[][] logits(Model model, KvCacheType type, int[] tokens, int chunk) {
        float[][] all = new float[tokens.length][];
        int vocab = model.config().vocabSize();
        try (InferenceSession s = new InferenceSession(model,
                new SessionOptions(tokens.length, chunk, Backends.cpu(type)))) {
            if (chunk == 1) {
                for (int i = 0; i < tokens.length; i++) {
                    all[i] = s.decode(tokens[i]);
                }
            } else {
                s.prefillAll(tokens, (row, values, off) -> all[row] = Arrays.copyOfRange(values, off, off + vocab));
            }
            assertEquals(type, s.cache().type());
        }
        return all;
    }

    /** The largest relative error ‖a - b‖ / ‖b‖ over positions. */
    private static double relativeError(float[][] a, float[][] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            double diff = 0, norm = 0;
            for (int j = 0; j < a[i].length; j++) {
                diff += (a[i][j] - b[i][j]) * (double) (a[i][j] - b[i][j]);
                norm += b[i][j] * (double) b[i][j];
            }
            worst = Math.max(worst, Math.sqrt(diff / norm));
        }
        return worst;
    }

    private static double maxAbsDiff(float[][] a, float[][] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                worst = Math.max(worst, Math.abs(a[i][j] - b[i][j]));
            }
        }
        return worst;
    }

    /**
     * Prefill (the head decoded once for the blocked kernels) and decode (tiles decoded per
     * query) read the same stored vectors, so they agree as closely as F32's two paths do; and
     * each type stays near F32 by its precision.
     */
    @ParameterizedTest
    @EnumSource(KvCacheType.class)
    void prefillAgreesWithDecodeAndEachTypeStaysNearF32(KvCacheType type) throws Exception {
        try (Model model = ModelLoader.load(tiny)) {
            int[] tokens = new SplittableRandom(4).ints(40, 0, ModelShape.TINY_LLAMA.vocab).toArray();
            float[][] decode = logits(model, type, tokens, 1);
            float[][] prefill = logits(model, type, tokens, 16);
            assertTrue(relativeError(prefill, decode) < 1e-4, type + ": prefill vs decode " + relativeError(prefill, decode));
            double vsF32 = relativeError(decode, logits(model, KvCacheType.F32, tokens, 1));
            System.out.printf("tiny-llama %s cache: relative logit error vs f32 %.2e%n", type, vsF32);
            double bound = switch (type) {
                case F32 -> 0;
                case F16 -> 1e-3;
                case Q8_0 -> 2e-2;
                case Q4_0 -> 0.3;
            };
            assertTrue(vsF32 <= bound, type + ": logits differ from f32 by " + vsF32 + " > " + bound);
            if (type != KvCacheType.F32) {
                assertTrue(vsF32 > 0, type + " is not exact, so something must differ");
            }
        }
    }

    private static Model stories() throws Exception {
        var path = SharedModels.find("stories260K.gguf");
        Assumptions.assumeTrue(path.isPresent(), SharedModels.missingMessage("stories260K.gguf"));
        return ModelLoader.load(path.get());
    }

    /**
     * stories260K with an f16 cache: measured on this story (264 positions), logits within 0.047
     * of f32's (relative error 2.0e-3 at worst), every greedy token the same. Bounds: 0.1 and 5e-3.
     */
    @Test
    void stories260kF16LogitsStayCloseToF32() throws Exception {
        try (Model model = stories()) {
            int[] tokens = model.tokenizer().encodeWithSpecials(STORY);
            float[][] f16 = logits(model, KvCacheType.F16, tokens, 64);
            float[][] f32 = logits(model, KvCacheType.F32, tokens, 64);
            double diff = maxAbsDiff(f16, f32), relative = relativeError(f16, f32);
            System.out.printf("stories260K f16 cache: max |logit - f32 logit| = %.2e, relative error %.2e over %d "
                    + "positions%n", diff, relative, tokens.length);
            assertTrue(diff < 0.1 && relative < 5e-3, "f16 logits differ from f32 by " + diff + ", relative " + relative);
            for (int i = 0; i < tokens.length; i++) {
                assertEquals(argmax(f32[i]), argmax(f16[i]), "greedy token at position " + i);
            }
        }
    }

    private static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) {
            if (x[i] > x[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Perplexity of the story with each cache type; q8_0 within 1% of f32, q4_0 (one 8-value block per head) bounded. */
    @Test
    void stories260kPerplexityWithBlockCachesStaysNearF32() throws Exception {
        try (Model model = stories()) {
            int[] tokens = model.tokenizer().encode(STORY);
            double f32 = PerplexityEvaluator.evaluate(Backends.cpu(), model, tokens, 256, null).perplexity();
            double q8 = PerplexityEvaluator.evaluate(Backends.cpu(KvCacheType.Q8_0), model, tokens, 256, null).perplexity();
            double q4 = PerplexityEvaluator.evaluate(Backends.cpu(KvCacheType.Q4_0), model, tokens, 256, null).perplexity();
            System.out.printf("stories260K perplexity: f32 %.4f, q8_0 %.4f, q4_0 %.4f%n", f32, q8, q4);
            assertTrue(Math.abs(q8 / f32 - 1) < 0.01, "q8_0 " + q8 + " vs f32 " + f32);
            assertTrue(q4 / f32 < 2.5 && q4 / f32 > 0.9, "q4_0 " + q4 + " vs f32 " + f32);
        }
    }

    /**
     * A policy evicting from a compact cache: the same positions as with f32 are kept, each kept
     * slot holds exactly the encoded vectors the uncompressed run stored for its position (moved,
     * never re-quantized), and decode stays within the budget.
     */
    @ParameterizedTest
    @EnumSource(value = KvCacheType.class, names = {"F16", "Q8_0", "Q4_0"})
    void evictionMovesTheEncodedEntries(KvCacheType type) throws Exception {
        try (Model model = ModelLoader.load(tiny)) {
            int[] tokens = new SplittableRandom(8).ints(48, 0, ModelShape.TINY_LLAMA.vocab).toArray();
            BackendFactory backend = Backends.cpu(type);
            try (InferenceSession full = new InferenceSession(model, SessionOptions.ofContext(backend, 64));
                 InferenceSession kept = new InferenceSession(model, SessionOptions.ofContext(backend, 64));
                 InferenceSession f32 = new InferenceSession(model, SessionOptions.ofContext(64))) {
                full.prefill(tokens);
                for (InferenceSession s : new InferenceSession[] {kept, f32}) {
                    s.setPolicy(PolicyRegistry.create("streamingllm", Map.of("budget", 20)));
                    s.prefill(tokens);
                }
                KvCache c = kept.cache(), all = full.cache();
                int hd = c.headDim();
                for (int l = 0; l < c.layers(); l++) {
                    for (int h = 0; h < c.kvHeads(); h++) {
                        int n = c.size(l, h);
                        assertArrayEquals(Arrays.copyOf(f32.cache().positions(l, h), f32.cache().size(l, h)),
                                Arrays.copyOf(c.positions(l, h), n), "kept positions, layer " + l + " head " + h);
                        float[] keys = c.keys(l, h), values = c.values(l, h);
                        float[] allKeys = all.keys(l, h), allValues = all.values(l, h);
                        for (int s = 0; s < n; s++) {
                            int p = c.positions(l, h)[s];
                            assertArrayEquals(Arrays.copyOfRange(allKeys, p * hd, (p + 1) * hd),
                                    Arrays.copyOfRange(keys, s * hd, (s + 1) * hd), "key of position " + p);
                            assertArrayEquals(Arrays.copyOfRange(allValues, p * hd, (p + 1) * hd),
                                    Arrays.copyOfRange(values, s * hd, (s + 1) * hd), "value of position " + p);
                        }
                    }
                }
                long bytes = (long) c.layers() * c.kvHeads() * 20 * 2 * type.vectorBytes(hd);
                assertEquals(bytes, c.keptBytes(), "20 slots per head, in the type's bytes");
                float[] logits = kept.decode(tokens[0]);
                float[] reference = f32.decode(tokens[0]);
                for (int i = 0; i < logits.length; i++) {
                    assertEquals(reference[i], logits[i], type == KvCacheType.Q4_0 ? 0.3 : 0.02, "logit " + i);
                }
                assertEquals(bytes, c.keptBytes(), "decode stays within the budget");
            }
        }
    }
}
