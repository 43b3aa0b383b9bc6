package org.kvscope.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.kvscope.gguf.GGMLType;
import org.kvscope.gguf.GGUFFile;
import org.kvscope.gguf.GGUFMetadata;
import org.kvscope.gguf.GGUFTensorInfo;
import org.kvscope.gguf.GGUFValueType;
import org.kvscope.tensor.FloatTensor;
import org.kvscope.tokenizer.GGUFTokenizerKeys;
import org.kvscope.tokenizer.Tokenizer;
import org.kvscope.tokenizer.Tokenizers;

/**
 * Turns a GGUF file into a {@link Model}: reads the configuration from {@code <arch>.*} metadata,
 * the tokenizer from {@code tokenizer.ggml.*}, and wraps every weight tensor over the memory
 * mapping (no weights are copied to the heap except norms and biases). A file whose weights are mostly F32, F16 or
 * BF16 (16 MiB or more) has the tensors every token reads whole copied into anonymous 2 MiB pages first
 * ({@link GGUFFile#copyIntoMemory}); the weights then wrap the copy.
 */
public final class ModelLoader {
    private ModelLoader() {}

    /** Loads a model; the caller closes it. */
    public static Model load(Path path) throws IOException {
        return load(path, false);
    }

    /**
     * Loads a model whose tokenizer is built on the first call of {@link Model#tokenizer()}, for work that
     * may never encode or decode text ({@code bench}: the vocabulary's strings are then never decoded, 2.8 MiB
     * of heap on SmolLM2-135M and 10 MiB on Llama-3.2-1B). The tokenizer's errors surface at that call,
     * with the messages {@link #load(Path)} gives; the vocabulary's size is checked here as there, from
     * the length of {@code tokenizer.ggml.tokens} (a file without that array of strings builds its tokenizer
     * here and fails as in {@link #load(Path)}).
     */
    public static Model loadDeferringTokenizer(Path path) throws IOException {
        return load(path, true);
    }

    private static Model load(Path path, boolean deferTokenizer) throws IOException {
        if (!Files.exists(path)) {
            throw new IOException("model file not found: " + path);
        }
        GGUFFile file = GGUFFile.open(path);
        try {
            return load(file, deferTokenizer);
        } catch (RuntimeException | IOException e) {
            file.close();
            throw e;
        }
    }

    /** Builds a model over an already opened file (which the model then owns). */
    public static Model load(GGUFFile file) throws IOException {
        return load(file, false);
    }

    private static Model load(GGUFFile file, boolean deferTokenizer) throws IOException {
        GGUFMetadata md = file.metadata();
        Architecture arch = Architecture.fromGGUF(md.findString("general.architecture")
                .orElseThrow(() -> new UnsupportedModelException("general.architecture is missing from " + file.path())));
        OptionalInt deferredVocab = deferTokenizer && md.arrayElementType(GGUFTokenizerKeys.TOKENS) == GGUFValueType.STRING
                ? md.findArrayLength(GGUFTokenizerKeys.TOKENS) : OptionalInt.empty();
        Tokenizer tokenizer = deferredVocab.isPresent() ? null : Tokenizers.fromGGUFMetadata(md.asMap());
        int vocab = tokenizer != null ? tokenizer.vocabSize() : deferredVocab.getAsInt();
        ModelConfig config = readConfig(file, arch, vocab);
        TensorTable.check(file, config);
        checkVocabulary(file, config, vocab);
        // what every token reads whole; an embedding with its own output matrix is read a row at a time
        List<GGUFTensorInfo> whole = file.tensor("output.weight").isPresent()
                ? file.tensors().stream().filter(t -> !t.name().equals("token_embd.weight")).toList()
                : file.tensors();
        if (mostlyFloat(whole) && bytes(whole) >= (Long.getLong("kvscope.mapping.copy.min-mib", 16) << 20)) {
            file.copyIntoMemory(whole);
        }
        ModelWeights weights = readWeights(file, config);
        ModelInfo info = describe(file);
        file.adviseHugePages(whole);
        file.releaseHeaderPages();
        if (tokenizer != null) {
            return new Model(config, tokenizer, weights, info, file);
        }
        return new Model(config, () -> Tokenizers.fromGGUFMetadata(md.asMap()), weights, info, file);
    }

    /**
     * Whether most of these bytes are F32, F16 or BF16: such weights are copied into anonymous 2 MiB pages at load
     * ({@link GGUFFile#copyIntoMemory}), since a float token streams every byte of them and the page cache's layout
     * decided its speed (1B F32: docs/BENCHMARKS.md, f32d23).
     */
    static boolean mostlyFloat(List<GGUFTensorInfo> tensors) {
        List<GGUFTensorInfo> floats = tensors.stream()
                .filter(t -> t.type() == GGMLType.F32 || t.type() == GGMLType.F16 || t.type() == GGMLType.BF16)
                .toList();
        return 2 * bytes(floats) > bytes(tensors);
    }

    /**
     * The bytes of these tensors. Under 16 MiB of them ({@code -Dkvscope.mapping.copy.min-mib}) a float file stays
     * mapped: its page map costs little and the copy's set-up would add to a cold start (stories260K, 1 MB).
     */
    static long bytes(List<GGUFTensorInfo> tensors) {
        long all = 0;
        for (GGUFTensorInfo t : tensors) {
            all += t.byteSize();
        }
        return all;
    }

    /** The tokenizer, {@code vocab_size} and the embedding must agree on the number of tokens. */
    private static void checkVocabulary(GGUFFile file, ModelConfig c, int tokenizerVocab) {
        GGUFTensorInfo embedding = require(file, "token_embd.weight");
        long rows = embedding.dims() == 2 ? embedding.dim(1) : -1;
        if (tokenizerVocab != rows) {
            throw new UnsupportedModelException("the tokenizer has " + tokenizerVocab
                    + " tokens but token_embd.weight has " + rows + " rows (one per token): the tokenizer and the"
                    + " weights of " + file.path().getFileName() + " do not belong together");
        }
        if (c.vocabSize() != rows) {
            throw new UnsupportedModelException(c.architecture().ggufName() + ".vocab_size is " + c.vocabSize()
                    + " but the tokenizer and token_embd.weight have " + rows + " tokens");
        }
    }

    static ModelConfig readConfig(GGUFFile file, Architecture arch, int tokenizerVocab) {
        GGUFMetadata md = file.metadata();
        String p = arch.ggufName() + ".";
        int dim = md.getInt(p + "embedding_length");
        int heads = md.getInt(p + "attention.head_count");
        int kvHeads = md.getInt(p + "attention.head_count_kv", heads);
        int headDim = md.getInt(p + "attention.key_length", heads > 0 ? dim / heads : 0);
        int vocab = md.getInt(p + "vocab_size", tokenizerVocab);
        float[] factors = file.tensor("rope_freqs.weight").map(t -> dequantizeAll(file, t)).orElse(null);
        return new ModelConfig(arch,
                dim,
                md.getInt(p + "feed_forward_length"),
                md.getInt(p + "block_count"),
                heads,
                kvHeads,
                headDim,
                vocab,
                md.getInt(p + "context_length", 2048),
                md.getFloat(p + "attention.layer_norm_rms_epsilon", 1e-5f),
                md.getFloat(p + "rope.freq_base", 10000f),
                md.getInt(p + "rope.dimension_count", headDim),
                factors);
    }

    static ModelWeights readWeights(GGUFFile file, ModelConfig c) {
        FloatTensor embedding = matrix(file, "token_embd.weight", c.dim(), c.vocabSize());
        LayerWeights[] layers = new LayerWeights[c.layers()];
        for (int i = 0; i < c.layers(); i++) {
            String b = "blk." + i + ".";
            boolean bias = c.architecture().hasQkvBias();
            layers[i] = new LayerWeights(
                    vector(file, b + "attn_norm.weight", c.dim()),
                    matrix(file, b + "attn_q.weight", c.dim(), c.qDim()),
                    matrix(file, b + "attn_k.weight", c.dim(), c.kvDim()),
                    matrix(file, b + "attn_v.weight", c.dim(), c.kvDim()),
                    matrix(file, b + "attn_output.weight", c.qDim(), c.dim()),
                    bias ? vector(file, b + "attn_q.bias", c.qDim()) : optionalVector(file, b + "attn_q.bias", c.qDim()),
                    bias ? vector(file, b + "attn_k.bias", c.kvDim()) : optionalVector(file, b + "attn_k.bias", c.kvDim()),
                    bias ? vector(file, b + "attn_v.bias", c.kvDim()) : optionalVector(file, b + "attn_v.bias", c.kvDim()),
                    vector(file, b + "ffn_norm.weight", c.dim()),
                    matrix(file, b + "ffn_gate.weight", c.dim(), c.ffnDim()),
                    matrix(file, b + "ffn_up.weight", c.dim(), c.ffnDim()),
                    matrix(file, b + "ffn_down.weight", c.ffnDim(), c.dim()));
        }
        float[] outputNorm = vector(file, "output_norm.weight", c.dim());
        Optional<GGUFTensorInfo> out = file.tensor("output.weight");
        FloatTensor output = out.isPresent() ? matrix(file, "output.weight", c.dim(), c.vocabSize()) : embedding;
        return new ModelWeights(embedding, layers, outputNorm, output, out.isEmpty());
    }

    static GGUFTensorInfo require(GGUFFile file, String name) {
        return file.tensor(name).orElseThrow(() -> new UnsupportedModelException(
                "tensor '" + name + "' is missing from " + file.path().getFileName()));
    }

    private static FloatTensor matrix(GGUFFile file, String name, int cols, int rows) {
        GGUFTensorInfo t = require(file, name);
        long[] shape = t.shape();
        if (shape.length != 2 || shape[0] != cols || shape[1] != rows) {
            throw new UnsupportedModelException("tensor '" + name + "' has shape " + java.util.Arrays.toString(shape)
                    + "; expected [" + cols + ", " + rows + "] from the model's metadata");
        }
        return wrap(file, t);
    }

    private static FloatTensor wrap(GGUFFile file, GGUFTensorInfo t) {
        if (!t.type().isSupported()) {
            throw new UnsupportedModelException("tensor '" + t.name() + "' has type " + t.type()
                    + ", which is not supported; supported: " + GGMLType.supportedNames());
        }
        return FloatTensor.of(t.type(), file.tensorData(t), t.elementCount());
    }

    private static float[] vector(GGUFFile file, String name, int length) {
        GGUFTensorInfo t = require(file, name);
        if (t.elementCount() != length) {
            throw new UnsupportedModelException("tensor '" + name + "' has " + t.elementCount()
                    + " elements; expected " + length);
        }
        float[] values = dequantizeAll(file, t);
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new UnsupportedModelException("tensor '" + name + "' holds " + values[i] + " at index " + i
                        + "; weights must be finite numbers (the file is damaged)");
            }
        }
        return values;
    }

    private static float[] optionalVector(GGUFFile file, String name, int length) {
        return file.tensor(name).isPresent() ? vector(file, name, length) : null;
    }

    private static float[] dequantizeAll(GGUFFile file, GGUFTensorInfo t) {
        float[] out = new float[Math.toIntExact(t.elementCount())];
        wrap(file, t).dequantize(0, out, 0, out.length);
        return out;
    }

    static ModelInfo describe(GGUFFile file) {
        Map<String, Integer> counts = new TreeMap<>();
        long bytes = 0;
        for (GGUFTensorInfo t : file.tensors()) {
            counts.merge(t.type().name(), 1, Integer::sum);
            bytes += t.byteSize();
        }
        String name = file.metadata().findString("general.name").orElse(file.path().getFileName().toString());
        return new ModelInfo(file.path(), name, file.fileSize(), counts, bytes);
    }
}
