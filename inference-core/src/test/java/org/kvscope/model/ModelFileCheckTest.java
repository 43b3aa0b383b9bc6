package org.kvscope.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.engine.InferenceSession;
import org.kvscope.engine.SessionOptions;
import org.kvscope.gguf.GGMLType;
import org.kvscope.gguf.GGUFFile;
import org.kvscope.gguf.GGUFTensorInfo;
import org.kvscope.gguf.GGUFValueType;

/**
 * Whole-file mutations of real and synthetic models: metadata that contradicts the tensor table,
 * a tokenizer of the wrong size, impossible hyper-parameters and non-finite weights are refused
 * at load with one line naming both sides, instead of loading and producing garbage or NaN.
 */
class ModelFileCheckTest {
    @TempDir
    static Path dir;
    static Path tiny;

    @BeforeAll
    static void synthesize() throws IOException {
        tiny = dir.resolve("tiny.gguf");
        SyntheticModelWriter.write(ModelShape.TINY_LLAMA, GGMLType.F32, tiny, 7);
        try (Model m = ModelLoader.load(tiny)) {
            assertEquals(2, m.config().layers(), "the unchanged copy must load");
        }
    }

    @Test
    void unchangedCopyLoads() throws IOException {
        Path copy = dir.resolve("copy.gguf");
        new ModelFileCopy().write(tiny, copy);
        try (Model m = ModelLoader.load(copy)) {
            assertEquals(320, m.tokenizer().vocabSize());
        }
    }

    @Test
    void tokenizerLargerOrSmallerThanTheEmbeddingIsRefused() throws IOException {
        String[] tokens = strings(tiny, "tokenizer.ggml.tokens");
        int[] types = ints(tiny, "tokenizer.ggml.token_type");
        String[] more = Arrays.copyOf(tokens, tokens.length + 2);
        more[tokens.length] = "<extra1>";
        more[tokens.length + 1] = "<extra2>";
        ModelFileCopy grown = new ModelFileCopy()
                .putArray("tokenizer.ggml.tokens", GGUFValueType.STRING, more)
                .putArray("tokenizer.ggml.token_type", GGUFValueType.INT32, Arrays.copyOf(types, types.length + 2));
        assertRefused(grown, tiny, "the tokenizer has 322 tokens but token_embd.weight has 320 rows");
        ModelFileCopy shrunk = new ModelFileCopy()
                .putArray("tokenizer.ggml.tokens", GGUFValueType.STRING, Arrays.copyOf(tokens, tokens.length - 1))
                .putArray("tokenizer.ggml.token_type", GGUFValueType.INT32, Arrays.copyOf(types, types.length - 1))
                .put("tokenizer.ggml.eos_token_id", GGUFValueType.UINT32, 1L)
                .remove("llama.vocab_size");
        assertRefused(shrunk, tiny, "the tokenizer has 319 tokens but token_embd.weight has 320 rows");
    }

    @Test
    void blockCountMustMatchTheTensorTable() throws IOException {
        assertRefused(new ModelFileCopy().put("llama.block_count", GGUFValueType.UINT32, 1L), tiny,
                "llama.block_count is 1 but the file holds tensors for 2 blocks (blk.0 to blk.1)");
        assertRefused(new ModelFileCopy().put("llama.block_count", GGUFValueType.UINT32, 3L), tiny,
                "llama.block_count is 3, impossible for this file: it holds tensors for 2 blocks");
        assertRefused(new ModelFileCopy().put("llama.block_count", GGUFValueType.UINT32, (long) Integer.MAX_VALUE), tiny,
                "llama.block_count is 2147483647, impossible for this file");
        assertRefused(new ModelFileCopy().dropTensors(n -> n.equals("blk.1.attn_k.weight")), tiny,
                "the tensor table lacks 1 tensor every block needs, first blk.1.attn_k.weight");
        assertRefused(new ModelFileCopy().renameTensors(n -> n.replace("blk.1.", "blk.7.")), tiny,
                "llama.block_count is 2 but the file holds tensors for blocks 0, 7; blocks from blk.2 on");
    }

    @Test
    void impossibleHyperParametersAreRefused() throws IOException {
        for (float eps : new float[] {-1e-5f, 0f, Float.NaN, Float.POSITIVE_INFINITY}) {
            assertRefused(new ModelFileCopy().put("llama.attention.layer_norm_rms_epsilon", GGUFValueType.FLOAT32, eps),
                    tiny, "attention.layer_norm_rms_epsilon is " + eps + "; it must be a small positive number");
        }
        for (float base : new float[] {0f, Float.NaN, -10000f, Float.POSITIVE_INFINITY}) {
            assertRefused(new ModelFileCopy().put("llama.rope.freq_base", GGUFValueType.FLOAT32, base),
                    tiny, "rope.freq_base is " + base + "; it must be a finite number above 1");
        }
    }

    @Test
    void nonFiniteNormWeightsAreRefused() throws IOException {
        float[] norm = new float[ModelShape.TINY_LLAMA.dim];
        Arrays.fill(norm, 1f);
        norm[5] = Float.NaN;
        assertRefused(new ModelFileCopy().replaceF32("blk.1.ffn_norm.weight", norm), tiny,
                "tensor 'blk.1.ffn_norm.weight' holds NaN at index 5; weights must be finite");
    }

    @Test
    void nonFiniteMatrixWeightsAreFoundByTheScanAndStopARun() throws IOException {
        ModelShape shape = ModelShape.TINY_LLAMA;
        float[] wq = new float[shape.dim * shape.dim];
        Arrays.fill(wq, 0.01f);
        wq[70] = Float.NaN;
        wq[90] = Float.NEGATIVE_INFINITY;
        Path damaged = dir.resolve("nan-weights.gguf");
        new ModelFileCopy().replaceF32("blk.0.attn_q.weight", wq).write(tiny, damaged);
        try (GGUFFile f = GGUFFile.open(damaged)) {
            WeightScan.Result scan = WeightScan.scan(f);
            assertEquals(List.of(new WeightScan.Damage("blk.0.attn_q.weight", 1, 1, 70)), scan.damaged());
            assertEquals(f.tensors().size(), scan.scanned());
        }
        try (GGUFFile f = GGUFFile.open(tiny)) {
            assertTrue(WeightScan.scan(f).clean());
        }
        try (Model m = ModelLoader.load(damaged)) {
            InferenceSession session = new InferenceSession(m, SessionOptions.ofContext(16));
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> session.prefill(m.tokenizer().encodeWithSpecials("hello there")));
            assertTrue(e.getMessage().startsWith("the model produced NaN as the logit of token 0 at position"),
                    e.getMessage());
        }
    }

    @Test
    void realModelMetadataAndTensorTableMutations() throws IOException {
        Path real = sharedModel("stories260K.gguf");
        assertRefused(new ModelFileCopy().put("llama.block_count", GGUFValueType.UINT32, 4L), real,
                "llama.block_count is 4 but the file holds tensors for 5 blocks (blk.0 to blk.4)");
        String[] tokens = strings(real, "tokenizer.ggml.tokens");
        float[] scores = floats(real, "tokenizer.ggml.scores");
        int[] types = ints(real, "tokenizer.ggml.token_type");
        String[] more = Arrays.copyOf(tokens, tokens.length + 2);
        more[tokens.length] = "<x1>";
        more[tokens.length + 1] = "<x2>";
        assertRefused(new ModelFileCopy()
                .putArray("tokenizer.ggml.tokens", GGUFValueType.STRING, more)
                .putArray("tokenizer.ggml.scores", GGUFValueType.FLOAT32, Arrays.copyOf(scores, scores.length + 2))
                .putArray("tokenizer.ggml.token_type", GGUFValueType.INT32, Arrays.copyOf(types, types.length + 2)),
                real, "the tokenizer has 514 tokens but token_embd.weight has 512 rows");
        assertRefused(new ModelFileCopy().put("llama.attention.layer_norm_rms_epsilon", GGUFValueType.FLOAT32, -1e-5f),
                real, "layer_norm_rms_epsilon is -1.0E-5");
        mutateEveryKeyAndTensor(real);
    }

    @Test
    void syntheticModelWholeFileMutations() throws IOException {
        mutateEveryKeyAndTensor(tiny);
    }

    /** One whole-file mutation; {@code refused}: the loader must not accept it. */
    private record Mutation(String what, ModelFileCopy copy, boolean refused) {}

    /**
     * Every numeric key set to boundary values, every string key changed, every array one element
     * shorter and longer, every key removed; every tensor dropped, transposed, one block wider,
     * stored as F16 or as an unsupported type; all tensors at offset 0. Each copy is either refused
     * with a short printable {@link IllegalArgumentException} or {@link IOException}, or it loads and
     * a short prefill gives finite logits or stops with such a message: never another exception (no
     * OutOfMemoryError, ArithmeticException, index errors) and never a silent NaN. Shape, type and
     * offset damage must always be refused.
     */
    private static void mutateEveryKeyAndTensor(Path model) throws IOException {
        List<Mutation> mutations = new ArrayList<>();
        int keyMutations;
        try (GGUFFile f = GGUFFile.open(model)) {
            for (String key : f.metadata().asMap().keySet()) {
                GGUFValueType type = f.metadata().typeOf(key);
                if (type.isInteger() && !key.equals("general.alignment")) {
                    long max = type == GGUFValueType.UINT32 ? 0xFFFF_FFFFL : type == GGUFValueType.INT32
                            ? Integer.MAX_VALUE : Long.MAX_VALUE;
                    for (long v : new long[] {0, 3, max}) {
                        mutations.add(new Mutation(key + " = " + v, new ModelFileCopy().put(key, type, v), false));
                    }
                } else if (type == GGUFValueType.FLOAT32) {
                    for (float v : new float[] {-1f, Float.NaN, 1e30f}) {
                        mutations.add(new Mutation(key + " = " + v, new ModelFileCopy().put(key, type, v), false));
                    }
                } else if (type == GGUFValueType.STRING) {
                    mutations.add(new Mutation(key + " = x", new ModelFileCopy().put(key, type, "x"), false));
                } else if (type == GGUFValueType.ARRAY) {
                    Object values = f.metadata().get(key);
                    int n = java.lang.reflect.Array.getLength(values);
                    for (int length : new int[] {n - 1, n + 1}) {
                        mutations.add(new Mutation(key + " with " + length + " of " + n + " elements", new ModelFileCopy()
                                .putArray(key, f.metadata().arrayElementType(key), resized(values, length)), false));
                    }
                }
                if (!key.startsWith("general.")) {
                    mutations.add(new Mutation("without " + key, new ModelFileCopy().remove(key), false));
                }
            }
            keyMutations = mutations.size();
            for (GGUFTensorInfo t : f.tensors()) {
                String name = t.name();
                long[] shape = t.shape();
                mutations.add(new Mutation("without tensor " + name, new ModelFileCopy().dropTensors(name::equals), false));
                if (shape.length == 2 && shape[0] != shape[1]) {
                    mutations.add(new Mutation(name + " transposed", new ModelFileCopy()
                            .relabel(name, t.type(), new long[] {shape[1], shape[0]}), true));
                }
                long[] wider = shape.clone();
                wider[0] += 32;
                mutations.add(new Mutation(name + " one block wider", new ModelFileCopy().relabel(name, t.type(), wider), true));
                if (t.type() != GGMLType.F16) {
                    mutations.add(new Mutation(name + " as F16", new ModelFileCopy().relabel(name, GGMLType.F16, shape), false));
                }
                if (shape[0] % 32 == 0) {
                    mutations.add(new Mutation(name + " as Q5_0", new ModelFileCopy().relabel(name, GGMLType.Q5_0, shape), true));
                }
            }
            mutations.add(new Mutation("every tensor at offset 0", new ModelFileCopy().offsetsAtZero(), true));
        }
        Path target = dir.resolve("mutated.gguf");
        for (int i = 0; i < mutations.size(); i++) {
            Mutation mutation = mutations.get(i);
            mutation.copy().write(model, target);
            if (i < keyMutations) { // the tensor mutations leave the tokenizer's metadata alone
                assertDeferredFailsAlike(mutation.what(), target);
            }
            Model m;
            try {
                m = ModelLoader.load(target);
            } catch (IllegalArgumentException | IOException e) {
                assertShortAndPrintable(mutation, e);
                continue;
            } catch (RuntimeException | Error e) {
                throw new AssertionError(mutation.what() + ": load raised " + e, e);
            }
            try (m) {
                assertTrue(!mutation.refused(), mutation.what() + ": loaded, but it must be refused");
                prefillBriefly(m, mutation.what());
            } catch (IllegalArgumentException | IllegalStateException e) {
                assertShortAndPrintable(mutation, e);
            } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
                throw new AssertionError(mutation.what() + ": running it raised " + e, e);
            }
        }
    }

    /**
     * "loads" or the message of what refused {@code file}: {@link ModelLoader#load}, or with {@code deferred}
     * {@link ModelLoader#loadDeferringTokenizer} followed by the first {@link Model#tokenizer()} call.
     */
    private static String loadOutcome(Path file, boolean deferred) {
        try (Model m = deferred ? ModelLoader.loadDeferringTokenizer(file) : ModelLoader.load(file)) {
            return "loads with " + m.tokenizer().vocabSize() + " tokens";
        } catch (IllegalArgumentException | IOException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    /**
     * A deferred tokenizer fails (at load or at its first use) as the eager load does, with the same message; only
     * a file whose vocabulary length is wrong as well may be refused by the vocabulary check first, which the
     * deferred load runs before the tokenizer's own checks.
     */
    private static void assertDeferredFailsAlike(String what, Path file) {
        String eager = loadOutcome(file, false), deferred = loadOutcome(file, true);
        if (!eager.equals(deferred)) {
            assertTrue(!eager.startsWith("loads") && deferred.contains("tokens but token_embd.weight has"),
                    what + ": eager " + eager + ", deferred " + deferred);
        }
    }

    @Test
    void deferredTokenizerIsBuiltOnFirstUseAndItsErrorsSurfaceThere() throws IOException {
        try (Model eager = ModelLoader.load(tiny); Model deferred = ModelLoader.loadDeferringTokenizer(tiny)) {
            assertEquals(eager.config(), deferred.config());
            var t = deferred.tokenizer();
            assertSame(t, deferred.tokenizer(), "built once");
            assertArrayEquals(eager.tokenizer().encodeWithSpecials("Once upon a time"), t.encodeWithSpecials("Once upon a time"));
        }
        Path bad = dir.resolve("bad-tokenizer.gguf");
        new ModelFileCopy().put("tokenizer.ggml.model", GGUFValueType.STRING, "bert").write(tiny, bad);
        String expected = "unsupported tokenizer model 'bert' in tokenizer.ggml.model; supported: \"llama\", \"gpt2\"";
        assertEquals(expected, assertThrows(IllegalArgumentException.class, () -> ModelLoader.load(bad)).getMessage());
        try (Model deferred = ModelLoader.loadDeferringTokenizer(bad)) {
            assertEquals(320, deferred.config().vocabSize(), "the weights load without the tokenizer");
            assertEquals(expected, assertThrows(IllegalArgumentException.class, deferred::tokenizer).getMessage());
        }
    }

    private static void assertShortAndPrintable(Mutation mutation, Exception e) {
        String message = String.valueOf(e.getMessage());
        assertTrue(message.length() < 1000 && message.chars().noneMatch(c -> c < 0x20),
                mutation.what() + ": message too long or not printable: " + message);
    }

    /** A few tokens through the model: finite logits, or the run stops on the non-finite guard. */
    private static void prefillBriefly(Model m, String what) {
        int[] tokens = m.tokenizer().encodeWithSpecials("Once upon a time");
        int n = Math.min(tokens.length, Math.min(8, m.config().contextLength()));
        float[] logits = new InferenceSession(m, SessionOptions.ofContext(n)).prefill(Arrays.copyOf(tokens, n));
        for (float v : logits) {
            assertTrue(Float.isFinite(v), what + ": a non-finite logit passed the guard");
        }
    }

    private static Object resized(Object values, int length) {
        Object copy = java.lang.reflect.Array.newInstance(values.getClass().getComponentType(), length);
        int n = java.lang.reflect.Array.getLength(values);
        System.arraycopy(values, 0, copy, 0, Math.min(n, length));
        for (int i = n; i < length; i++) {
            java.lang.reflect.Array.set(copy, i, java.lang.reflect.Array.get(values, n - 1));
        }
        return copy;
    }

    private static void assertRefused(ModelFileCopy copy, Path source, String expected) throws IOException {
        Path target = dir.resolve("refused.gguf");
        copy.write(source, target);
        Exception e = assertThrows(Exception.class, () -> ModelLoader.load(target).close());
        assertTrue(e instanceof IllegalArgumentException || e instanceof IOException, e.toString());
        assertTrue(e.getMessage().contains(expected), () -> "expected '" + expected + "' in: " + e.getMessage());
    }

    private static Path sharedModel(String name) {
        var path = SharedModels.find(name);
        Assumptions.assumeTrue(path.isPresent(), SharedModels.missingMessage(name));
        return path.get();
    }

    private static String[] strings(Path file, String key) throws IOException {
        try (GGUFFile f = GGUFFile.open(file)) {
            return f.metadata().getStringArray(key);
        }
    }

    private static int[] ints(Path file, String key) throws IOException {
        try (GGUFFile f = GGUFFile.open(file)) {
            return f.metadata().getIntArray(key);
        }
    }

    private static float[] floats(Path file, String key) throws IOException {
        try (GGUFFile f = GGUFFile.open(file)) {
            return f.metadata().getFloatArray(key);
        }
    }
}
