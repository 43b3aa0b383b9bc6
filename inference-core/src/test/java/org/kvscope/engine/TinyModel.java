package org.kvscope.engine;

import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.kvscope.gguf.GGMLType;
import org.kvscope.model.Model;
import org.kvscope.model.ModelLoader;
import org.kvscope.model.ModelShape;
import org.kvscope.model.SyntheticModelWriter;

/** The generated tiny-llama model (F32, seed 5) and random prompts the session tests share. */
final class TinyModel {
    private TinyModel() {}

    /** Writes the model into {@code dir} and loads it. */
    static Model load(Path dir) throws IOException {
        Path file = dir.resolve("tiny.gguf");
        SyntheticModelWriter.write(ModelShape.TINY_LLAMA, GGMLType.F32, file, 5);
        return ModelLoader.load(file);
    }

    /** {@code length} token ids drawn with seed 9. */
    static int[] prompt(int length) {
        return new SplittableRandom(9).ints(length, 0, ModelShape.TINY_LLAMA.vocab).toArray();
    }
}
