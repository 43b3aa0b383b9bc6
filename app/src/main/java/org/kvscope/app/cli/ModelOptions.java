package org.kvscope.app.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.kvscope.model.Model;
import org.kvscope.model.ModelLoader;

/** Shared handling of --model. */
final class ModelOptions {
    private ModelOptions() {}

    static Model load(Args args) throws IOException {
        Path path = args.existingFile("model");
        return ModelLoader.load(path);
    }

    static String describe(Model m) {
        var c = m.config();
        return String.format("%s: %s, %d layers, dim %d, %d heads / %d kv-heads, vocab %d, context %d, tensors %s",
                m.info().path().getFileName(), c.architecture().ggufName(), c.layers(), c.dim(), c.heads(),
                c.kvHeads(), c.vocabSize(), c.contextLength(), m.info().tensorTypeCounts());
    }
}
