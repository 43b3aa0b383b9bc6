package org.kvscope.app.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.app.report.PlainJson;
import org.kvscope.backend.Backends;
import org.kvscope.engine.DecodeCap;
import org.kvscope.gguf.GGMLType;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.model.Model;
import org.kvscope.model.ModelLoader;
import org.kvscope.model.ModelShape;
import org.kvscope.model.SyntheticModelWriter;

/** Every policy's analyze report is plain data, so it is written without Jackson's databind (issue 16). */
class AnalyzeReportJsonTest {
    @TempDir
    Path dir;

    @Test
    void everyPolicysReportIsPlainJson() throws Exception {
        Path file = dir.resolve("stories.gguf");
        SyntheticModelWriter.write(ModelShape.TINY_STORIES, GGMLType.F32, file, 3);
        try (Model model = ModelLoader.load(file)) {
            int[] tokens = new SplittableRandom(1).ints(300, 3, model.config().vocabSize()).toArray();
            for (PolicyRegistry.Entry policy : PolicyRegistry.entries()) {
                Progress quiet = Progress.forMode(Progress.Mode.SILENT, new PrintStream(OutputStream.nullOutputStream()),
                        "analyze", 3, "stages");
                Map<String, Object> report = AnalyzeCommand.analyze(Backends.cpu(), model, "text", tokens,
                        policy.name(), Map.of(), 270, 4, 64, DecodeCap.NONE, quiet);
                assertTrue(PlainJson.covers(report), policy.name() + ": " + report);
            }
        }
    }
}
