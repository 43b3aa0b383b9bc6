package org.kvscope.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.engine.CaptureRun;
import org.kvscope.gguf.GGMLType;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.model.Model;
import org.kvscope.model.ModelLoader;
import org.kvscope.model.ModelShape;
import org.kvscope.model.SyntheticModelWriter;
import org.kvscope.trace.CaptureOptions;

/** Policy analysis from a captured FullKV run, on a generated model. */
class PolicyAnalysisTest {
    @TempDir
    Path dir;

    @Test
    void fullKvRecallIsOneAndCompressionLowersRecallAndMemory() throws Exception {
        Path file = dir.resolve("tiny.gguf");
        SyntheticModelWriter.write(ModelShape.TINY_LLAMA, GGMLType.F32, file, 3);
        try (Model model = ModelLoader.load(file)) {
            int[] prompt = new SplittableRandom(4).ints(64, 0, ModelShape.TINY_LLAMA.vocab).toArray();
            CaptureRun run = CaptureRun.run(model, prompt, new CaptureOptions(16, 32, 4, 8));
            PolicyAnalysis.Analyzer analyzer = new PolicyAnalysis.Analyzer(run.capture());
            int hd = model.config().headDim();
            PolicyAnalysis full = analyzer.analyze(PolicyRegistry.create("fullkv", Map.of()), 80, hd, 16);
            assertTrue(full.recallFromDecode());
            for (double[] layer : full.recall()) {
                for (double r : layer) {
                    assertEquals(1.0, r, 1e-6);
                }
            }
            assertEquals(1.0, full.memory().ratio(), 0.0);
            PolicyAnalysis snap = analyzer.analyze(PolicyRegistry.create("snapkv", Map.of("budget", 16, "window", 4)),
                    80, hd, 16);
            assertTrue(snap.meanRecall() < 1.0 && snap.meanRecall() > 0.0, "recall " + snap.meanRecall());
            assertEquals(16.0 / 64, snap.memory().ratio(), 1e-12);
            assertEquals(full.pvcOverlap().length, snap.pvcOverlap().length);
        }
    }
}
