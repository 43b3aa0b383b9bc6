package org.kvscope.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.backend.Backends;
import org.kvscope.gguf.GGMLType;
import org.kvscope.model.Model;
import org.kvscope.model.ModelLoader;
import org.kvscope.model.ModelShape;
import org.kvscope.model.SyntheticModelWriter;

/**
 * The pass-key probes run in one session, each later probe starting from the shared filler chunks
 * the previous one cached: the scores equal those of each probe prefilled on its own.
 */
class RetrievalHeadsSharingTest {
    @TempDir
    Path dir;

    @Test
    void sharedProbePrefixesScoreAsSeparatePrefills() throws Exception {
        Path file = dir.resolve("stories.gguf");
        SyntheticModelWriter.write(ModelShape.TINY_STORIES, GGMLType.F32, file, 3); // 512-token probes: two chunks
        try (Model model = ModelLoader.load(file)) {
            List<RetrievalHeads.Probe> probes = RetrievalHeads.passKeyProbes(model);
            int[] previous = new int[0];
            int sharedTokens = 0;
            for (RetrievalHeads.Probe p : probes) {
                sharedTokens += RetrievalHeads.sharedChunks(previous, p, 256);
                previous = p.tokens();
            }
            assertTrue(sharedTokens >= 256, "the deepest needle's probe reuses the first chunk: " + sharedTokens);

            float[][] shared = RetrievalHeads.measure(Backends.cpu(), model, probes, x -> { }, () -> false).perQueryHead();
            double[][] separate = new double[shared.length][shared[0].length];
            for (RetrievalHeads.Probe p : probes) { // one probe per call: a fresh session each, nothing shared
                float[][] one = RetrievalHeads.measure(Backends.cpu(), model, List.of(p), x -> { }, () -> false)
                        .perQueryHead();
                for (int l = 0; l < one.length; l++) {
                    for (int h = 0; h < one[l].length; h++) {
                        separate[l][h] += one[l][h] / (double) probes.size();
                    }
                }
            }
            double total = 0;
            for (int l = 0; l < shared.length; l++) {
                for (int h = 0; h < shared[l].length; h++) {
                    assertEquals(separate[l][h], shared[l][h], 1e-6, "layer " + l + " head " + h);
                    total += shared[l][h];
                }
            }
            assertTrue(total > 0, "some head attends to the needle");
        }
    }

    @Test
    void sharesWholeChunksBeforeTheAnswerOnly() {
        int[] a = new int[40], b = new int[40];
        b[30] = 1; // prompts agree on their first 30 tokens
        RetrievalHeads.Probe probe = new RetrievalHeads.Probe(b, 31, 33, 36);
        assertEquals(24, RetrievalHeads.sharedChunks(a, probe, 8));
        assertEquals(0, RetrievalHeads.sharedChunks(new int[0], probe, 8));
        assertEquals(32, RetrievalHeads.sharedChunks(b, probe, 8), "identical prompts: up to the first answer query");
        assertEquals(0, RetrievalHeads.sharedChunks(b, probe, 64));
    }
}
