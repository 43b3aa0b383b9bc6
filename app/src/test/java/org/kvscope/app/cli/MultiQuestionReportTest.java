package org.kvscope.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.engine.MultiQuestionReplay.Mode;
import org.kvscope.model.SharedModels;

/**
 * {@code needle --questions M --replays N} (SCBench's multi-question replay): one CSV line per
 * question with FullKV, query-agnostic and query-aware answers side by side, and the JSON's
 * accuracies are those lines' shares, overall and per turn.
 */
class MultiQuestionReportTest {
    @TempDir
    Path dir;

    @Test
    void csvAndJsonCompareQueryAgnosticWithQueryAwareTurnByTurn() throws Exception {
        var file = SharedModels.find("stories260K.gguf");
        Assumptions.assumeTrue(file.isPresent(), SharedModels.missingMessage("stories260K.gguf"));
        Path json = dir.resolve("mq.json"), csv = dir.resolve("mq.csv");
        CliTest.Run r = CliTest.run("needle", "--model", file.get().toString(), "--suite", "needle-stories-short",
                "--policy", "snapkv", "--budget", "16", "--questions", "3", "--replays", "2", "--out-json", json.toString(),
                "--out-csv", csv.toString(), "--quiet", "--device", "cpu");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("accuracy: FullKV"), r.err());
        JsonNode report = new ObjectMapper().readTree(json.toFile());
        assertEquals(3, report.get("questions").asInt());
        assertEquals(2, report.get("replays").asInt());
        List<String> lines = Files.readAllLines(csv);
        assertEquals("replay,turn,template,answer,fullkv_success,fullkv_answer_logprob,query_agnostic_success,"
                + "query_agnostic_answer_logprob,query_aware_success,query_aware_answer_logprob", lines.get(0));
        List<String[]> rows = lines.subList(1, lines.size()).stream().map(l -> l.split(",", -1)).toList();
        assertEquals(6, rows.size(), "one line per replay and question");
        assertEquals(6, report.get("turns").size());
        Mode[] modes = Mode.values();
        for (int m = 0; m < modes.length; m++) {
            int column = 4 + 2 * m;
            long correct = rows.stream().filter(c -> c[column].equals("true")).count();
            assertEquals(correct / 6.0, report.at("/accuracy/" + modes[m].id()).asDouble(), 1e-12, modes[m].id());
            for (int turn = 0; turn < 3; turn++) {
                String t = Integer.toString(turn);
                long atTurn = rows.stream().filter(c -> c[1].equals(t) && c[column].equals("true")).count();
                assertEquals(atTurn / 2.0, report.at("/accuracyByTurn/" + modes[m].id() + "/" + turn).asDouble(), 1e-12,
                        modes[m].id() + " turn " + turn);
            }
            for (int i = 0; i < 6; i++) {
                JsonNode answer = report.at("/turns/" + i + "/" + modes[m].id());
                assertEquals(rows.get(i)[column], answer.get("success").asText(), "line " + i + " " + modes[m].id());
            }
        }
    }
}
