package org.kvscope.app.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.kvscope.model.Model;
import org.kvscope.model.ModelLoader;

/** Shared handling of --model. */
final class ModelOptions {
    private ModelOptions() {}

    /** The help entry of --model, its meaning starting after {@code width} columns of option. */
    static String usage(int width) {
        return entry(width, "--model FILE", "GGUF model file (llama or qwen2 architecture)");
    }

    /** One line of a command's option list: the option padded to {@code width}, then its meaning. */
    static String entry(int width, String option, String meaning) {
        return String.format("  %-" + width + "s %s%n", option, meaning);
    }

    static Model load(Args args) throws IOException {
        Path path = args.existingFile("model");
        Model model = ModelLoader.load(path);
        SmallModelFiles.record(path, model);
        return model;
    }

    /**
     * Like {@link #load}, for commands that never encode or decode text ({@code bench}): the tokenizer is
     * built only if asked for ({@link ModelLoader#loadDeferringTokenizer}), sparing its heap.
     */
    static Model loadWithoutText(Args args) throws IOException {
        Path path = args.existingFile("model");
        Model model = ModelLoader.loadDeferringTokenizer(path);
        SmallModelFiles.record(path, model);
        return model;
    }

    static String describe(Model m) {
        var c = m.config();
        return String.format("%s: %s, %d layers, dim %d, %d heads / %d kv-heads, vocab %d, context %d, tensors %s",
                m.info().path().getFileName(), c.architecture().ggufName(), c.layers(), c.dim(), c.heads(),
                c.kvHeads(), c.vocabSize(), c.contextLength(), m.info().tensorTypeCounts());
    }
}
