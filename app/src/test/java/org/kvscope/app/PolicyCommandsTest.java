package org.kvscope.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.kvscope.app.cli.Cli;

/** {@code analyze --policy NAME} for every policy added with issue 15, on a generated model. */
class PolicyCommandsTest {
    @TempDir
    static Path dir;
    static Path model;

    static int run(ByteArrayOutputStream out, ByteArrayOutputStream err, String... args) {
        return Cli.standard().run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @BeforeAll
    static void synthesize() {
        model = dir.resolve("tiny.gguf");
        var err = new ByteArrayOutputStream();
        assertEquals(0, run(new ByteArrayOutputStream(), err, "synth", "--shape", "tiny-llama", "--type", "q8_0", "--out",
                model.toString()), err.toString());
    }

    @ParameterizedTest
    @CsvSource({
        "tova, --granularity, head",
        "knorm, --recent, 2",
        "keydiff, --recent, 0",
        "ada-snapkv, --safeguard, 0.3",
        "ada-pyramidkv, --beta, 4",
        "cake, --window, 6",
        "snapkv, --schedule, auto",
    })
    void analyzeRunsEveryNewPolicy(String policy, String option, String value) throws Exception {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code = run(out, err, "analyze", "--model", model.toString(), "--prompt",
                "the dog saw the cat and the cat saw the dog ".repeat(4), "--policy", policy, "--budget", "10",
                option, value, "--decode-steps", "4");
        assertEquals(0, code, err.toString());
        JsonNode json = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
        assertEquals(policy, json.at("/policy/name").asText());
        assertTrue(json.at("/kvMemory/ratio").asDouble() < 1.0, policy + " compressed the cache");
        assertTrue(Double.isFinite(json.at("/perplexity/perplexity").asDouble()), policy);
    }
}
