package org.kvscope.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.engine.PerplexityEvaluator;
import org.kvscope.model.Model;
import org.kvscope.model.ModelLoader;
import org.kvscope.model.SharedModels;
import org.kvscope.tensor.VectorOps;

/**
 * The CPU engine on stories260K reproduces, bit for bit, the outputs recorded before the forward
 * pass moved behind the backend interface (see golden/README.md): every policy's analyze report,
 * two needle grids and a windowed perplexity. Doubles are compared as Jackson prints them (the
 * shortest text that reads back to the same bits), so equal JSON means equal bits.
 */
class GoldenCliTest {
    /** The vector width the golden files were recorded with; results differ in the last bits at others. */
    static final int RECORDED_BITS = 512;
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void find() {
        var m = SharedModels.find("stories260K.gguf");
        Assumptions.assumeTrue(m.isPresent(), SharedModels.missingMessage("stories260K.gguf"));
        Assumptions.assumeTrue(VectorOps.F.vectorBitSize() == RECORDED_BITS, "golden outputs were recorded with "
                + RECORDED_BITS + "-bit vectors; this JVM uses " + VectorOps.F.vectorBitSize());
        model = m.get();
    }

    @ParameterizedTest
    @ValueSource(strings = {"fullkv", "streamingllm", "h2o", "snapkv", "pyramidkv", "pyramidinfer"})
    void analyzeReportOfEveryPolicy(String policy) throws IOException {
        Path out = dir.resolve("analyze-" + policy + ".json");
        List<String> args = new ArrayList<>(List.of("analyze", "--model", model.toString(), "--suite",
                "perplexity-stories", "--max-tokens", "160", "--policy", policy, "--out", out.toString(), "--device", "cpu"));
        if (!policy.equals("fullkv")) {
            args.addAll(List.of("--budget", "32"));
        }
        assertSame("analyze-" + policy + ".json", out, args);
    }

    @ParameterizedTest
    @ValueSource(strings = {"snapkv", "pyramidinfer"})
    void needleGrid(String policy) throws IOException {
        Path out = dir.resolve("needle-" + policy + ".json");
        assertSame("needle-" + policy + ".json", out, List.of("needle", "--model", model.toString(), "--suite",
                "needle-stories-short", "--policy", policy, "--budget", "32", "--templates", "1", "--out-json",
                out.toString(), "--device", "cpu"));
    }

    @Test
    void windowedPerplexity() throws IOException {
        Properties golden = new Properties();
        try (InputStream in = resource("perplexity-story.properties")) {
            golden.load(in);
        }
        String story = new String(resource("story.txt").readAllBytes(), StandardCharsets.UTF_8);
        try (Model m = ModelLoader.load(model)) {
            var r = PerplexityEvaluator.evaluate(m, m.tokenizer().encode(story),
                    Integer.parseInt(golden.getProperty("context")), null);
            assertEquals(golden.getProperty("tokens"), Integer.toString(r.tokens()));
            assertEquals(golden.getProperty("windows"), Integer.toString(r.windows()));
            assertEquals(golden.getProperty("nll"), Long.toHexString(Double.doubleToLongBits(r.nll())));
        }
    }

    private static void assertSame(String golden, Path out, List<String> args) throws IOException {
        CliTest.Run r = CliTest.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        JsonNode expected = JSON.readTree(resource(golden));
        JsonNode actual = JSON.readTree(Files.readString(out));
        for (Iterator<String> it = expected.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (field.equals("model")) {
                continue; // holds the file path, which differs between checkouts
            }
            assertEquals(expected.get(field), actual.get(field), golden + ": field '" + field + "'");
        }
    }

    private static InputStream resource(String name) {
        InputStream in = GoldenCliTest.class.getResourceAsStream("golden/" + name);
        if (in == null) {
            throw new AssertionError("missing test resource golden/" + name);
        }
        return in;
    }
}
