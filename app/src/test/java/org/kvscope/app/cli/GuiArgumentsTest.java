package org.kvscope.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kvscope gui [MODEL.gguf]} is checked before any window opens: {@code gui --model F} opened a
 * model named "--model", {@code gui a b} dropped b, and a missing file was found only in the window.
 */
class GuiArgumentsTest {
    @TempDir
    Path dir;

    @Test
    void noArgumentOrOneExistingFileOpens() throws Exception {
        Path model = Files.writeString(dir.resolve("m.gguf"), "x");
        assertEquals(List.of(), GuiArguments.check(List.of()));
        assertEquals(List.of(model), GuiArguments.check(List.of(model.toString())));
    }

    @Test
    void anythingElseIsOneUsageLine() {
        Path missing = dir.resolve("missing.gguf");
        assertEquals("unknown option --model; give the model file itself: kvscope gui MODEL.gguf",
                refused("--model", missing.toString()));
        assertEquals("takes one MODEL.gguf file, got 2 arguments", refused("a.gguf", "b.gguf"));
        assertEquals("model file not found: " + missing, refused(missing.toString()));
        assertEquals("model is not a regular file: " + dir, refused(dir.toString()));
        assertEquals("the model file name is empty; give a MODEL.gguf file", refused(""));
    }

    private static String refused(String... args) {
        return assertThrows(UsageException.class, () -> GuiArguments.check(List.of(args))).getMessage();
    }
}
