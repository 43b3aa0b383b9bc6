package org.kvscope.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.kv.KvCacheType;

/**
 * {@code kvscope sweep}'s equal-memory columns: every row names its decode-cap mode and cache type,
 * and the bytes after prefill and over the continuation are the cache type's real bytes.
 */
class SweepCommandTest {
    @TempDir
    static Path dir;
    static Path tiny;

    @BeforeAll
    static void synthesize() {
        tiny = dir.resolve("tiny.gguf");
        assertEquals(0, CliTest.run("synth", "--shape", "tiny-llama", "--type", "q8_0", "--out", tiny.toString()).code());
    }

    /** Without a needle suite a row's line said "needle NaN": there is no accuracy to show, so it says "-". */
    @Test
    void aRowWithoutNeedleCasesShowsNoNaN() {
        CliTest.Run r = CliTest.run("sweep", "--model", tiny.toString(), "--policies", "snapkv", "--budgets", "16",
                "--texts", "1", "--needle-suite", "none", "--out-json", dir.resolve("no-needles.json").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("  needle -  recall ") && !r.err().contains("NaN"), r.err());
    }

    /** Nor does its JSON hold the string "NaN" where a number belongs: no needle suite, no accuracy (null). */
    @Test
    void aRowWithoutNeedleCasesHasNullNeedleAccuracies() throws Exception {
        Path json = dir.resolve("no-needles-json.json");
        CliTest.Run r = CliTest.run("sweep", "--model", tiny.toString(), "--policies", "snapkv", "--budgets", "16",
                "--texts", "1", "--needle-suite", "none", "--out-json", json.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        assertTrue(!Files.readString(json).contains("NaN"), Files.readString(json));
        JsonNode row = new ObjectMapper().readTree(json.toFile()).get("rows").get(0);
        for (String field : List.of("needleAccuracy", "fullKvNeedleAccuracy")) {
            assertTrue(row.has(field) && row.get(field).isNull(), field + ": " + row);
        }
        assertTrue(row.get("perplexity").isNumber(), row.toString());
    }

    @Test
    void rowsNameTheirModeAndCacheTypeAndCountTheTypesRealBytes() throws Exception {
        Map<String, Map<String, Map<String, String>>> byType = new LinkedHashMap<>();
        JsonNode model = null;
        for (KvCacheType type : KvCacheType.values()) {
            Path json = dir.resolve(type.cliName() + ".json"), csv = dir.resolve(type.cliName() + ".csv");
            CliTest.Run r = CliTest.run("sweep", "--model", tiny.toString(), "--policies", "fullkv,snapkv,streamingllm",
                    "--budgets", "16", "--texts", "1", "--needle-suite", "none", "--decode-cap", "none,budget",
                    "--cache-type", type.cliName(), "--out-json", json.toString(), "--out-csv", csv.toString(), "--quiet");
            assertEquals(0, r.code(), r.err());
            JsonNode report = new ObjectMapper().readTree(json.toFile());
            assertEquals(type.cliName(), report.get("cacheType").asText());
            model = report.get("model");
            Map<String, Map<String, String>> rows = new LinkedHashMap<>();
            for (Map<String, String> row : csv(csv)) {
                assertEquals(type.cliName(), row.get("cache_type"), row.toString());
                rows.put(row.get("policy") + "/" + row.get("decode_cap"), row);
            }
            assertEquals(List.of("fullkv/none", "snapkv/none", "snapkv/budget", "streamingllm/none", "streamingllm/budget"),
                    List.copyOf(rows.keySet()), "FullKV once, uncapped; the others once per mode");
            byType.put(type.cliName(), rows);
        }
        int heads = model.get("layers").asInt() * model.get("kvHeads").asInt();
        int headDim = model.get("headDim").asInt();
        for (KvCacheType type : KvCacheType.values()) {
            long entryBytes = 2 * heads * type.vectorBytes(headDim); // keys and values of one entry per (layer, kv-head)
            for (Map<String, String> row : byType.get(type.cliName()).values()) {
                String what = type.cliName() + " " + row.get("policy") + "/" + row.get("decode_cap");
                assertEquals(num(row, "cont_peak_entries_per_head") * entryBytes, num(row, "cont_peak_bytes"), 1e-6, what);
                assertEquals(num(row, "cont_mean_entries_per_head") * entryBytes, num(row, "cont_mean_bytes"), 1e-6, what);
                if (!row.get("policy").equals("fullkv")) {
                    assertEquals(16 * entryBytes, num(row, "kv_kept_bytes"), 1e-6, what + ": budget 16 after prefill");
                }
            }
            var capped = byType.get(type.cliName()).get("snapkv/budget");
            var free = byType.get(type.cliName()).get("snapkv/none");
            assertEquals(16.0, num(capped, "cont_peak_entries_per_head"), 1e-9, "the cap holds SnapKV at its budget");
            assertTrue(num(free, "cont_peak_entries_per_head") > 16, "uncapped SnapKV grows while decoding");
        }
        assertTrue(KvCacheType.Q4_0.vectorBytes(headDim) < KvCacheType.Q8_0.vectorBytes(headDim)
                && KvCacheType.Q8_0.vectorBytes(headDim) < KvCacheType.F32.vectorBytes(headDim), "the types differ in bytes");
    }

    private static List<Map<String, String>> csv(Path file) throws Exception {
        List<String> lines = Files.readAllLines(file);
        String[] header = lines.get(0).split(",");
        List<Map<String, String>> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",", -1);
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < header.length; i++) {
                row.put(header[i], cells[i]);
            }
            rows.add(row);
        }
        return rows;
    }

    private static double num(Map<String, String> row, String column) {
        return Double.parseDouble(row.get(column));
    }
}
