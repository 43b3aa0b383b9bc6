package org.kvscope.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kvscope.app.cli.CliTest.assertCleanError;
import static org.kvscope.app.cli.CliTest.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code score-agreement}: CSV and JSON of every pair, and clear errors. */
class ScoreAgreementCommandTest {
    @TempDir
    static Path dir;
    static Path tiny;
    static final String PROMPT = "the dog saw the cat and the cat saw the dog and they ran to the park to play ".repeat(3);

    @BeforeAll
    static void synthesize() {
        tiny = dir.resolve("tiny.gguf");
        CliTest.Run r = run("synth", "--shape", "tiny-llama", "--type", "q8_0", "--out", tiny.toString());
        assertEquals(0, r.code(), r.err());
    }

    @Test
    void everyPairPerLayerInCsvAndJson() throws Exception {
        Path csv = dir.resolve("agree.csv");
        Path json = dir.resolve("agree.json");
        CliTest.Run r = run("score-agreement", "--model", tiny.toString(), "--prompt", PROMPT, "--policies",
                "snapkv,pyramidkv,h2o", "--budget", "12", "--window-capture", "16", "--out-csv", csv.toString(),
                "--out-json", json.toString(), "--quiet", "--device", "cpu");
        assertEquals(0, r.code(), r.err());
        List<String> lines = Files.readAllLines(csv);
        assertEquals("policy_a,policy_b,layer,spearman,topk_overlap,k,positions", lines.get(0));
        JsonNode report = new ObjectMapper().readTree(json.toFile());
        int layers = report.get("model").get("layers").asInt();
        assertEquals(1 + 3 * layers, lines.size(), "three pairs, one row per layer");
        assertTrue(lines.get(1).startsWith("snapkv,pyramidkv,0,1.00000,1.00000,12,"), lines.get(1));
        JsonNode pairs = report.get("pairs");
        assertEquals(3, pairs.size());
        assertEquals("h2o", pairs.get(2).get("b").asText());
        assertEquals(1.0, pairs.get(0).get("meanSpearman").asDouble(), 1e-9);
        assertEquals(layers, pairs.get(2).get("perLayer").size());
        assertTrue(pairs.get(2).get("perLayer").get(0).get("spearmanPerKvHead").isArray());
    }

    @Test
    void policiesThatDoNotScoreAndUnknownNamesAreNamed() {
        assertCleanError(run("score-agreement", "--model", tiny.toString(), "--prompt", PROMPT, "--policies",
                "snapkv,streamingllm"), 2, "'streamingllm' does not score positions", "snapkv");
        assertCleanError(run("score-agreement", "--model", tiny.toString(), "--prompt", PROMPT, "--policies",
                "snapkv,nope"), 2, "nope");
        assertCleanError(run("score-agreement", "--model", tiny.toString(), "--prompt", PROMPT, "--policies",
                "snapkv"), 2, "at least two");
        assertCleanError(run("score-agreement", "--model", tiny.toString(), "--prompt", "a b", "--policies",
                "snapkv,h2o"), 2, "at least 2");
    }

    /** Limits the prompt sets are said before the forward pass, naming the prompt; a default top-k is lowered with a note. */
    @Test
    void aTopKOrPromptBeyondWhatThePromptAllowsIsSaid() {
        String m = tiny.toString();
        assertCleanError(run("score-agreement", "--model", m, "--prompt", PROMPT, "--policies", "snapkv,h2o", "--top-k",
                "500"), 2, "--top-k 500 is more than the prompt has", "snapkv and h2o compare", "give --top-k at most");
        CliTest.Run lowered = run("score-agreement", "--model", m, "--prompt", PROMPT, "--policies", "snapkv,h2o",
                "--budget", "200", "--quiet", "--device", "cpu");
        assertEquals(0, lowered.code(), lowered.err());
        assertTrue(lowered.err().contains("note: top-k 200 (default: the budget) is lowered"), lowered.err());
        assertCleanError(run("score-agreement", "--model", m, "--prompt", PROMPT.repeat(30), "--policies", "snapkv,h2o"),
                2, "the prompt has", "more than the model's context of", "give --max-tokens at most");
        assertCleanError(run("score-agreement", "--model", m, "--prompt", PROMPT, "--policies", "snapkv,h2o,snapkv"), 2,
                "--policies names snapkv twice");
    }

    /** KVzip's scores come from the reconstruction pass the command runs for it: compared like any other. */
    @Test
    void kvzipIsComparedWithTheOthers() throws Exception {
        Path json = dir.resolve("kvzip.json");
        CliTest.Run r = run("score-agreement", "--model", tiny.toString(), "--prompt", PROMPT, "--policies",
                "kvzip,snapkv,h2o", "--budget", "12", "--window-capture", "16", "--out-json", json.toString(),
                "--quiet", "--device", "cpu");
        assertEquals(0, r.code(), r.err());
        JsonNode report = new ObjectMapper().readTree(json.toFile());
        JsonNode pairs = report.get("pairs");
        assertEquals(3, pairs.size());
        assertEquals("kvzip", pairs.get(0).get("a").asText());
        assertEquals(4, pairs.get(0).get("firstPosition").asInt(), "kvzip's 4 sinks are left out");
        int n = report.get("promptTokens").asInt();
        assertEquals(n - 4 - 8, pairs.get(0).get("positions").asInt(), "and snapkv's 8-token window");
        double rho = pairs.get(0).get("meanSpearman").asDouble();
        assertTrue(rho >= -1 && rho <= 1 && rho < 1, "kvzip's scores are not snapkv's: " + rho);
        assertTrue(run("score-agreement", "--help").out().contains("kvzip"), "the usage names kvzip");
    }
}
