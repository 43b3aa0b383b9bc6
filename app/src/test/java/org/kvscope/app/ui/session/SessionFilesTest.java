package org.kvscope.app.ui.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SessionFilesTest {
    @TempDir Path dir;

    @Test
    void sessionRoundTripIsExactAndLeavesNoTemporaryFiles() throws IOException {
        var results = new SessionState.Results(0.91, 0.8, 1000, 4000, new double[] {0.9, 0.92}, 7.5, 7.2);
        SessionState s = new SessionState(SessionState.VERSION, "/models/a.gguf", "Once upon a time",
                List.of(new SessionState.PolicySettings("snapkv", Map.of("budget", "32"), results),
                        new SessionState.PolicySettings("h2o", Map.of(), null)));
        Path file = dir.resolve("s.json");
        SessionStore.save(s, file);
        SessionStore.save(s, file);
        SessionState back = SessionStore.load(file);
        assertEquals(s.prompt(), back.prompt());
        assertEquals(s.modelPath(), back.modelPath());
        assertEquals(s.policies().get(0).values(), back.policies().get(0).values());
        assertArrayEquals(results.recallByLayer(), back.policies().get(0).results().recallByLayer());
        assertEquals(7.5, back.policies().get(0).results().perplexity());
        assertEquals(null, back.policies().get(1).results());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void nonSessionFilesAreRejectedWithTheReason() throws IOException {
        Path junk = dir.resolve("junk.json");
        Files.writeString(junk, "[1, 2, 3]");
        var e = assertThrows(IOException.class, () -> SessionStore.load(junk));
        assertTrue(e.getMessage().startsWith("not a kvscope session file: "), e.getMessage());
        Path empty = dir.resolve("empty.json");
        Files.writeString(empty, "{\"version\": 1, \"policies\": []}");
        assertThrows(IOException.class, () -> SessionStore.load(empty));
        var missing = assertThrows(IOException.class, () -> SessionStore.load(dir.resolve("nope.json")));
        assertTrue(missing.getMessage().contains("session file not found"));
    }

    @Test
    void recentModelsAreNewestFirstDeduplicatedAndBounded() throws IOException {
        RecentModels r = new RecentModels(dir.resolve("sub/recent.json"));
        assertEquals(List.of(), r.list());
        for (int i = 0; i < RecentModels.LIMIT + 3; i++) {
            r.add(dir.resolve("m" + i + ".gguf"));
        }
        r.add(dir.resolve("m5.gguf"));
        List<Path> list = r.list();
        assertEquals(RecentModels.LIMIT, list.size());
        assertEquals(dir.resolve("m5.gguf").toAbsolutePath(), list.get(0));
        assertEquals(dir.resolve("m12.gguf").toAbsolutePath(), list.get(1));
        assertEquals(1, list.stream().filter(p -> p.getFileName().toString().equals("m5.gguf")).count());
    }

    /** Each bad store or entry is dropped; the good entries survive in order. */
    @org.junit.jupiter.params.ParameterizedTest(name = "recent.json = [{0}]")
    @org.junit.jupiter.params.provider.ValueSource(strings = {
        "[null]", "[null, \"/m/good.gguf\"]", "[1, true, {\"a\": 1}, [\"x\"], \"/m/good.gguf\"]",
        "[\"/m/bad\\u0000.gguf\", \"/m/good.gguf\"]", "[\"\", \"   \", \"/m/good.gguf\"]",
        "{\"not\": \"a list\"}", "null", "\"/m/good.gguf\"", "garbage {[", "", "[\"/m/good.gguf\", \"/m/good.gguf\"]"})
    void badEntriesAreDroppedAndTheGoodOnesKept(String json) throws IOException {
        Path f = dir.resolve("recent.json");
        Files.writeString(f, json);
        List<Path> list = new RecentModels(f).list();
        List<Path> expected = json.startsWith("[") && json.contains("good") ? List.of(Path.of("/m/good.gguf")) : List.of();
        assertEquals(expected, list);
        RecentModels r = new RecentModels(f);
        r.add(dir.resolve("new.gguf"));
        assertEquals(dir.resolve("new.gguf").toAbsolutePath(), r.list().get(0));
    }

    @Test
    void corruptRecentListReadsAsEmpty() throws IOException {
        Path f = dir.resolve("recent.json");
        Files.writeString(f, "{oops");
        assertEquals(List.of(), new RecentModels(f).list());
    }

    @Test
    void theWorkbenchIsOfferedOnlyFilesThatStillExist() throws IOException {
        Path here = Files.writeString(dir.resolve("here.gguf"), "x");
        RecentModels r = new RecentModels(dir.resolve("recent.json"));
        r.add(dir.resolve("gone.gguf"));
        r.add(here);
        assertEquals(List.of(here.toAbsolutePath(), dir.resolve("gone.gguf").toAbsolutePath()), r.list());
        assertEquals(List.of(here.toAbsolutePath()), r.existing());
    }
}
