package org.kvscope.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.gguf.GGMLType;
import org.kvscope.gguf.ProcessMaps;
import org.kvscope.model.Model;
import org.kvscope.model.ModelLoader;
import org.kvscope.model.ModelShape;
import org.kvscope.sampling.Sampler;

/**
 * A float model's weights are copied into anonymous memory at load (GGUFFile#copyIntoMemory; a tiny model only with
 * {@code -Dkvscope.mapping.copy.min-mib=0}) and decode from the copy exactly as from the file mapping
 * ({@code -Dkvscope.mapping.copy=false}): the same logits, bit for bit.
 */
class CopiedWeightsTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = GGMLType.class, names = {"F32", "F16", "BF16"})
    void aFloatModelDecodesFromItsCopyBitForBitAsFromTheMapping(GGMLType type) throws IOException {
        assumeTrue(System.getProperty("os.name").startsWith("Linux") && Files.isReadable(Path.of("/proc/self/maps")),
                "Linux only");
        Path file = dir.resolve("tiny-" + type + ".gguf");
        org.kvscope.model.SyntheticModelWriter.write(ModelShape.TINY_LLAMA, type, file, 5);
        int[] prompt = new SplittableRandom(9).ints(24, 0, ModelShape.TINY_LLAMA.vocab).toArray();
        try (Model m = ModelLoader.load(file)) { // under 16 MiB of weights: stays mapped
            assertEquals(false, ProcessMaps.anonymous(address(m)), "a small file copied");
        }
        List<float[]> copied;
        List<float[]> mapped;
        try {
            System.setProperty("kvscope.mapping.copy.min-mib", "0");
            try (Model m = ModelLoader.load(file)) {
                assertEquals(true, ProcessMaps.anonymous(address(m)), "the weights were not copied");
                copied = logits(m, prompt);
            }
            System.setProperty("kvscope.mapping.copy", "false");
            try (Model m = ModelLoader.load(file)) {
                assertEquals(false, ProcessMaps.anonymous(address(m)), "copied though switched off");
                mapped = logits(m, prompt);
            }
        } finally {
            System.clearProperty("kvscope.mapping.copy");
            System.clearProperty("kvscope.mapping.copy.min-mib");
        }
        for (int i = 0; i < copied.size(); i++) {
            assertArrayEquals(mapped.get(i), copied.get(i), "logits " + i);
        }
    }

    private static long address(Model m) {
        return m.file().tensorData(m.file().tensor("blk.0.attn_q.weight").orElseThrow()).address();
    }

    private static List<float[]> logits(Model model, int[] prompt) {
        InferenceSession s = new InferenceSession(model, new SessionOptions(64, 16));
        List<float[]> out = new ArrayList<>();
        out.add(s.prefill(prompt).clone());
        for (int i = 0; i < 6; i++) {
            out.add(s.decode(Sampler.argmax(out.getLast())).clone());
        }
        return out;
    }
}
