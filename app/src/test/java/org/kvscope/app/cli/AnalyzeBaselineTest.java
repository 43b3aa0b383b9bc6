package org.kvscope.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.engine.CompressedPerplexity;
import org.kvscope.gguf.GGMLType;
import org.kvscope.metrics.CacheOccupancy;
import org.kvscope.model.Model;
import org.kvscope.model.ModelLoader;
import org.kvscope.model.ModelShape;
import org.kvscope.model.SyntheticModelWriter;

/**
 * analyze takes its FullKV baseline from the capture pass instead of a separate FullKV run: its
 * perplexity equals that run's to rounding, and its cache occupancy exactly.
 */
class AnalyzeBaselineTest {
    @TempDir
    Path dir;

    @Test
    void theFullKvBaselineFromTheCapturePassIsWhatASeparateFullKvRunGives() throws Exception {
        Path model = dir.resolve("tiny.gguf");
        SyntheticModelWriter.write(ModelShape.TINY_LLAMA, GGMLType.F32, model, 3);
        String prompt = "the dog saw the cat and the cat saw the bird in the tree by the house ".repeat(3);
        Path out = dir.resolve("report.json");
        CliTest.Run r = CliTest.run("analyze", "--model", model.toString(), "--prompt", prompt, "--policy", "snapkv",
                "--budget", "8", "--window", "2", "--out", out.toString(), "--quiet", "--device", "cpu");
        assertEquals(0, r.code(), r.err());
        JsonNode report = new ObjectMapper().readTree(out.toFile());
        try (Model m = ModelLoader.load(model)) {
            int[] tokens = m.tokenizer().encodeWithSpecials(prompt);
            int context = tokens.length - Math.max(1, tokens.length / 4);
            assertEquals(context, report.at("/perplexity/contextTokens").asInt());
            CompressedPerplexity.Result separate = CompressedPerplexity.evaluate(m, null,
                    Arrays.copyOf(tokens, context), Arrays.copyOfRange(tokens, context, tokens.length), null);
            assertEquals(separate.perplexity(), report.at("/perplexity/fullKvPerplexity").asDouble(),
                    1e-5 * separate.perplexity());
            CacheOccupancy o = separate.occupancy();
            JsonNode shared = report.at("/continuationCache/fullKv");
            assertEquals(o.samples(), shared.get("samples").asInt());
            assertEquals(o.heads(), shared.get("heads").asInt());
            assertEquals(o.meanEntries(), shared.get("meanEntries").asDouble());
            assertEquals(o.peakEntries(), shared.get("peakEntries").asLong());
            assertEquals(o.peakHeadEntries(), shared.get("peakHeadEntries").asInt());
            assertEquals(o.meanBytes(), shared.get("meanBytes").asDouble());
            assertEquals(o.peakBytes(), shared.get("peakBytes").asLong());
        }
    }
}
