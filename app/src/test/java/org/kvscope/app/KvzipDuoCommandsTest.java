package org.kvscope.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** KVzip and the DuoAttention head split through the CLI: analyze, the heads command, bad values. */
class KvzipDuoCommandsTest {
    @TempDir
    static Path dir;
    static Path model;
    static final String PROMPT = "the dog saw the cat and the cat saw the dog ".repeat(4);

    @BeforeAll
    static void synthesize() {
        model = dir.resolve("tiny.gguf");
        var err = new ByteArrayOutputStream();
        assertEquals(0, PolicyCommandsTest.run(new ByteArrayOutputStream(), err, "synth", "--shape", "tiny-llama",
                "--type", "q8_0", "--out", model.toString()), err.toString());
    }

    static JsonNode analyze(String... policyArgs) throws Exception {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        String[] args = new String[8 + policyArgs.length];
        System.arraycopy(new String[] {"analyze", "--model", model.toString(), "--prompt", PROMPT, "--decode-steps", "4",
                "--policy"}, 0, args, 0, 8);
        System.arraycopy(policyArgs, 0, args, 8, policyArgs.length);
        assertEquals(0, PolicyCommandsTest.run(out, err, args), err.toString());
        return new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void analyzeRunsKvzipAndDuoAttention() throws Exception {
        JsonNode kvzip = analyze("kvzip", "--budget", "10", "--scope", "layer");
        assertTrue(kvzip.at("/kvMemory/ratio").asDouble() < 1.0, kvzip.toString());
        assertTrue(Double.isFinite(kvzip.at("/perplexity/perplexity").asDouble()));
        JsonNode duo = analyze("duo-attention", "--budget", "12", "--recent", "6");
        assertTrue(duo.at("/kvMemory/ratio").asDouble() < 1.0, duo.toString());
        assertTrue(Double.isFinite(duo.at("/perplexity/perplexity").asDouble()));
    }

    @Test
    void headsPrintsEveryLayerAndKvHeadWithItsClass() throws Exception {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        assertEquals(0, PolicyCommandsTest.run(out, err, "heads", "--model", model.toString(), "--format", "csv",
                "--retrieval-ratio", "0.5"), err.toString());
        var lines = out.toString(StandardCharsets.UTF_8).strip().lines().toList();
        assertEquals("layer,kv_head,score,class", lines.get(0));
        assertEquals(1 + 2 * 2, lines.size(), "tiny-llama: 2 layers x 2 kv-heads");
        assertEquals(2, lines.stream().filter(l -> l.endsWith(",retrieval")).count());
        var json = new ByteArrayOutputStream();
        assertEquals(0, PolicyCommandsTest.run(json, err, "heads", "--model", model.toString(), "--format", "json"));
        JsonNode heads = new ObjectMapper().readTree(json.toString(StandardCharsets.UTF_8)).at("/heads");
        assertEquals(4, heads.size());
        assertEquals(2, heads.get(0).at("/queryHeadScores").size());
    }

    @Test
    void badValuesGetOneLine() {
        for (String[] args : new String[][] {
                {"heads", "--model", "MODEL", "--retrieval-ratio", "2"},
                {"heads", "--model", "MODEL", "--format", "xml"},
                {"analyze", "--model", "MODEL", "--prompt", PROMPT, "--policy", "kvzip", "--scope", "head"},
                {"analyze", "--model", "MODEL", "--prompt", PROMPT, "--policy", "duo-attention", "--sinks", "0",
                        "--recent", "0"},
                {"analyze", "--model", "MODEL", "--prompt", PROMPT, "--policy", "duo-attention", "--budget", "4"}}) {
            for (int i = 0; i < args.length; i++) {
                args[i] = args[i].equals("MODEL") ? model.toString() : args[i];
            }
            var err = new ByteArrayOutputStream();
            int code = PolicyCommandsTest.run(new ByteArrayOutputStream(), err, args);
            String msg = err.toString(StandardCharsets.UTF_8).strip();
            assertTrue(code != 0, String.join(" ", args));
            assertEquals(1, msg.lines().filter(l -> !l.startsWith("run 'kvscope help")).count(), msg);
            assertTrue(msg.contains("retrieval-ratio") || msg.contains("format") || msg.contains("scope")
                    || msg.contains("'sinks' + 'recent'") || msg.contains("'sinks' must be smaller than 'budget'"), msg);
        }
    }
}
