package org.kvscope.model;

import org.kvscope.gguf.GGUFFile;
import org.kvscope.tokenizer.Tokenizer;

/**
 * A loaded model: configuration, tokenizer and weights memory-mapped from its GGUF file.
 * Closing it unmaps the weights; tensors must not be used afterwards.
 */
public record Model(ModelConfig config, Tokenizer tokenizer, ModelWeights weights, ModelInfo info, GGUFFile file)
        implements AutoCloseable {

    @Override
    public void close() {
        if (file != null) {
            file.close();
        }
    }
}
