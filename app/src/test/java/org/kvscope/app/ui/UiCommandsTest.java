package org.kvscope.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.app.ui.tools.UiCommands;

class UiCommandsTest {
    private String err(String... argv) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = UiCommands.run(argv, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true,
                StandardCharsets.UTF_8));
        assertEquals(2, code);
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void badOptionsAreRejectedBeforeAnythingStarts() {
        assertTrue(UiCommands.handles("screenshots") && UiCommands.handles("bench-ui"));
        assertFalse(UiCommands.handles("generate"));
        String unknown = err("bench-ui", "--budget", "3");
        assertTrue(unknown.contains("unknown option '--budget'; valid: --model, --tokens, --moves, --tab"), unknown);
        String missing = err("screenshots", "--out");
        assertTrue(missing.contains("--out needs a value"), missing);
        String notNumber = err("bench-ui", "--model", "/nonexistent.gguf", "--moves", "many");
        assertTrue(notNumber.contains("--moves must be an integer in 5..10000, was 'many'"), notNumber);
    }

    @Test
    void aScreenshotDirectoryThatCannotBeOneIsRefusedBeforeRendering(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("shots"), "keep");
        String notDir = err("screenshots", "--out", file.toString());
        assertTrue(notDir.startsWith("kvscope screenshots: --out " + file + ": is not a directory"), notDir);
        String under = err("screenshots", "--out", file.resolve("png").toString());
        assertTrue(under.startsWith("kvscope screenshots: --out " + file.resolve("png") + ": cannot create the directory"),
                under);
        assertEquals("keep", Files.readString(file));
        String model = err("screenshots", "--model", dir.resolve("none.gguf").toString());
        assertTrue(model.contains("none.gguf: file not found"), model);
    }
}
