package org.kvscope.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    /**
     * Every numeric key set to boundary values, every tensor dropped once: each copy either loads
     * or is refused with a short printable {@link IllegalArgumentException} or {@link IOException},
     * never another exception (no OutOfMemoryError, ArithmeticException, index errors).
     */
    private static void mutateEveryKeyAndTensor(Path model) throws IOException {
        List<ModelFileCopy> copies = new ArrayList<>();
        List<String> what = new ArrayList<>();
        try (GGUFFile f = GGUFFile.open(model)) {
            for (String key : f.metadata().asMap().keySet()) {
                GGUFValueType type = f.metadata().typeOf(key);
                if (type.isInteger() && !key.equals("general.alignment")) {
                    long max = type == GGUFValueType.UINT32 ? 0xFFFF_FFFFL : type == GGUFValueType.INT32
                            ? Integer.MAX_VALUE : Long.MAX_VALUE;
                    for (long v : new long[] {0, 3, max}) {
                        copies.add(new ModelFileCopy().put(key, type, v));
                        what.add(key + " = " + v);
                    }
                } else if (type == GGUFValueType.FLOAT32) {
                    for (float v : new float[] {-1f, Float.NaN, 1e30f}) {
                        copies.add(new ModelFileCopy().put(key, type, v));
                        what.add(key + " = " + v);
                    }
                }
                if (!key.startsWith("general.")) {
                    copies.add(new ModelFileCopy().remove(key));
                    what.add("without " + key);
                }
            }
            for (GGUFTensorInfo t : f.tensors()) {
                copies.add(new ModelFileCopy().dropTensors(n -> n.equals(t.name())));
                what.add("without tensor " + t.name());
            }
        }
        Path target = dir.resolve("mutated.gguf");
        for (int i = 0; i < copies.size(); i++) {
            copies.get(i).write(model, target);
            try (Model m = ModelLoader.load(target)) {
                assertTrue(m.config().layers() > 0);
            } catch (IllegalArgumentException | IOException e) {
                String message = String.valueOf(e.getMessage());
                assertTrue(message.length() < 1000 && message.chars().noneMatch(c -> c < 0x20),
                        what.get(i) + ": message too long or not printable: " + message);
            } catch (RuntimeException | Error e) {
                fail(what.get(i) + ": load raised " + e, e);
            }
        }
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
