package org.kvscope.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
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
        assertTrue(notNumber.contains("not a number"), notNumber);
    }
}
