package org.kvscope.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kvscope.engine.InferenceSession;
import org.kvscope.engine.SessionOptions;
import org.kvscope.gguf.GGMLType;
import org.kvscope.kv.KvCache;
import org.kvscope.kv.KvCacheType;
import org.kvscope.model.Architecture;
import org.kvscope.model.LayerWeights;
import org.kvscope.model.Model;
import org.kvscope.model.ModelConfig;
import org.kvscope.model.ModelLoader;
import org.kvscope.model.ModelWeights;
import org.kvscope.model.SharedModels;
import org.kvscope.tensor.FloatTensor;
import org.kvscope.tensor.Quantizer;
import org.kvscope.tensor.WorkerAllocations;

/**
 * Bytes allocated per decoded token, on the calling thread and the parallel workers together, once
 * the JIT has compiled decode: a count, not a timing, so it holds on a loaded machine. Decode keeps
 * its buffers from token to token; garbage per token (a closure per product, a row array per
 * forward, a task object per hand-off) shows up here. The best of several windows is taken, as
 * a window may still catch a compilation's last interpreted calls.
 */
class DecodeAllocationTest {
    /**
     * The most a decoded token may allocate, all threads together: less than one boxed vector, or
     * than a closure for each of its matrix products (7 per layer and the logits).
     */
    private static final long LIMIT = 64;
    private static final int TOKENS = 64, WINDOWS = 40;

    /**
     * The exact cache on every vector width; the compact caches' decode attention on 16 lanes (on
     * 8, C2 leaves vectors of its score sums boxed: not yet fixed).
     */
    @ParameterizedTest
    @EnumSource(KvCacheType.class)
    void aSmolLm2ShapedDecodeAllocatesNothingPerToken(KvCacheType type) {
        Assumptions.assumeTrue(type == KvCacheType.F32 || org.kvscope.tensor.VectorOps.F.length() == 16,
                "the compact caches' decode attention is checked on 16 lanes only");
        ModelConfig c = new ModelConfig(Architecture.LLAMA, 576, 1536, 3, 9, 3, 64, 2048, 8192, 1e-5f, 100000f, 64, null);
        CpuForward forward = new CpuForward(c, randomQ8Weights(c, 7), false);
        int capacity = 16 + WINDOWS * TOKENS + 64;
        KvCache cache = type.newCache(c.layers(), c.kvHeads(), c.headDim(), capacity);
        float[] logits = new float[c.vocabSize()];
        org.kvscope.backend.LogitsSink sink = (row, values, o) -> System.arraycopy(values, o, logits, 0, logits.length);
        int[] token = new int[1];
        int[] position = {0};
        long perToken = bestPerToken(() -> {
            token[0] = (token[0] * 31 + 7) % c.vocabSize();
            forward.forward(token, 0, 1, position[0]++, cache, null, null, false, sink);
        }, () -> cache.clear(), () -> position[0] = 0);
        assertTrue(perToken <= LIMIT, type + " cache: " + perToken + " bytes per decoded token (limit " + LIMIT + ")");
    }

    @Test
    void stories260kDecodeThroughTheSessionAllocatesNothingPerToken() throws Exception {
        var path = SharedModels.find("stories260K.gguf");
        Assumptions.assumeTrue(path.isPresent(), SharedModels.missingMessage("stories260K.gguf"));
        try (Model model = ModelLoader.load(path.get());
             InferenceSession session = new InferenceSession(model, SessionOptions.ofContext(model.config().contextLength()))) {
            float[] logits = new float[model.config().vocabSize()];
            int[] token = {1};
            long perToken = bestPerToken(() -> {
                session.decode(token[0], logits);
                token[0] = argmax(logits);
            }, session::reset, () -> token[0] = 1);
            assertTrue(perToken <= LIMIT, perToken + " bytes per decoded token (limit " + LIMIT + ")");
        }
    }

    private static int argmax(float[] a) {
        int best = 0;
        for (int i = 1; i < a.length; i++) {
            if (a[i] > a[best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * The fewest bytes per step over windows of {@link #TOKENS} steps; {@code reset} empties the
     * cache before each window (so the depth stays within the cache) and {@code restart} rewinds.
     */
    private static long bestPerToken(Runnable step, Runnable reset, Runnable restart) {
        long best = Long.MAX_VALUE;
        for (int w = 0; w < WINDOWS; w++) {
            reset.run();
            restart.run();
            for (int i = 0; i < 16; i++) { // the window starts past the cache's first slots
                step.run();
            }
            long[] ids = WorkerAllocations.threads();
            long before = WorkerAllocations.allocated(ids);
            for (int i = 0; i < TOKENS; i++) {
                step.run();
            }
            long after = WorkerAllocations.allocated(ids);
            best = Math.min(best, (after - before) / TOKENS);
        }
        return best;
    }

    /** Q8_0 matrices in native memory (as a mapped file's), Gaussian with norms near 1. */
    static ModelWeights randomQ8Weights(ModelConfig c, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        LayerWeights[] layers = new LayerWeights[c.layers()];
        for (int l = 0; l < layers.length; l++) {
            layers[l] = new LayerWeights(ones(c.dim()), matrix(c.qDim(), c.dim(), r), matrix(c.kvDim(), c.dim(), r),
                    matrix(c.kvDim(), c.dim(), r), matrix(c.dim(), c.qDim(), r), null, null, null, ones(c.dim()),
                    matrix(c.ffnDim(), c.dim(), r), matrix(c.ffnDim(), c.dim(), r), matrix(c.dim(), c.ffnDim(), r));
        }
        FloatTensor embedding = matrix(c.vocabSize(), c.dim(), r);
        return new ModelWeights(embedding, layers, ones(c.dim()), embedding, true);
    }

    private static float[] ones(int n) {
        float[] a = new float[n];
        Arrays.fill(a, 1f);
        return a;
    }

    private static FloatTensor matrix(int rows, int cols, SplittableRandom r) {
        float[] w = new float[rows * cols];
        double std = 1 / Math.sqrt(cols);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (r.nextGaussian() * std);
        }
        byte[] encoded = Quantizer.quantize(GGMLType.Q8_0, w);
        MemorySegment data = Arena.ofAuto().allocate(encoded.length, 64);
        MemorySegment.copy(MemorySegment.ofArray(encoded), 0, data, 0, encoded.length);
        return FloatTensor.of(GGMLType.Q8_0, data, w.length);
    }
}
