package org.kvscope.model;

import java.util.function.Supplier;
import org.kvscope.gguf.GGUFFile;
import org.kvscope.tokenizer.Tokenizer;

/**
 * A loaded model: configuration, tokenizer and weights memory-mapped from its GGUF file.
 * Closing it unmaps the weights; tensors must not be used afterwards. The tokenizer is built by the
 * loader, or, for a model loaded with {@link ModelLoader#loadDeferringTokenizer}, on the first call of
 * {@link #tokenizer()}.
 */
public final class Model implements AutoCloseable {
    private final ModelConfig config;
    private final ModelWeights weights;
    private final ModelInfo info;
    private final GGUFFile file;
    private Supplier<Tokenizer> tokenizerSource;
    private volatile Tokenizer tokenizer;

    /** A model whose tokenizer is already built. */
    public Model(ModelConfig config, Tokenizer tokenizer, ModelWeights weights, ModelInfo info, GGUFFile file) {
        this(config, () -> tokenizer, weights, info, file);
        this.tokenizer = tokenizer;
    }

    /** A model whose tokenizer {@code tokenizerSource} builds when first asked for (once). */
    Model(ModelConfig config, Supplier<Tokenizer> tokenizerSource, ModelWeights weights, ModelInfo info, GGUFFile file) {
        this.config = config;
        this.tokenizerSource = tokenizerSource;
        this.weights = weights;
        this.info = info;
        this.file = file;
    }

    public ModelConfig config() { return config; }

    public ModelWeights weights() { return weights; }

    public ModelInfo info() { return info; }

    /** The file the weights are mapped from (null for a model built in memory). */
    public GGUFFile file() { return file; }

    /**
     * The tokenizer. For a deferred one, its metadata errors surface here, as the {@link IllegalArgumentException}
     * that {@link ModelLoader#load} would have thrown.
     */
    public Tokenizer tokenizer() {
        Tokenizer t = tokenizer;
        if (t == null) {
            synchronized (this) {
                t = tokenizer;
                if (t == null) {
                    t = tokenizerSource.get();
                    tokenizer = t;
                    tokenizerSource = null;
                }
            }
        }
        return t;
    }

    @Override
    public void close() {
        if (file != null) {
            file.close();
        }
    }
}
