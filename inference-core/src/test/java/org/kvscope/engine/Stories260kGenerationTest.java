package org.kvscope.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.kvscope.model.Model;
import org.kvscope.model.ModelLoader;
import org.kvscope.model.SharedModels;
import org.kvscope.sampling.Sampler;

/** Greedy decoding of the real TinyStories model reads the known opening. */
class Stories260kGenerationTest {
    static final String EXPECTED =
            "Once upon a time, there was a little girl named Lily. She loved to play outside in the park";

    static String greedy(Path file, int n) throws Exception {
        try (Model model = ModelLoader.load(file)) {
            int[] prompt = model.tokenizer().encodeWithSpecials("Once upon a time");
            InferenceSession s = new InferenceSession(model, SessionOptions.ofContext(prompt.length + n));
            Generator.Result r = Generator.generate(s, prompt, n, Sampler.greedy(), null, null);
            int[] all = Arrays.copyOf(prompt, prompt.length + r.generated().length);
            System.arraycopy(r.generated(), 0, all, prompt.length, r.generated().length);
            int start = model.tokenizer().bos().isPresent() && all[0] == model.tokenizer().bos().getAsInt() ? 1 : 0;
            return model.tokenizer().decode(Arrays.copyOfRange(all, start, all.length));
        }
    }

    @Test
    void f32GreedyOpening() throws Exception {
        var path = SharedModels.find("stories260K.gguf");
        Assumptions.assumeTrue(path.isPresent(), SharedModels.missingMessage("stories260K.gguf"));
        String text = greedy(path.get(), 40);
        assertTrue(text.strip().startsWith(EXPECTED), text);
    }

    @Test
    void q8GreedyOpeningMatches() throws Exception {
        var path = SharedModels.find("stories260K-q8_0.gguf");
        Assumptions.assumeTrue(path.isPresent(), SharedModels.missingMessage("stories260K-q8_0.gguf"));
        String text = greedy(path.get(), 24);
        assertTrue(text.strip().startsWith("Once upon a time, there was a little girl named Lily."), text);
    }
}
