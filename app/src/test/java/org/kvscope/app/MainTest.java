package org.kvscope.app;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Opening the workbench where no window can open gives a clear reason instead of a toolkit stack trace. */
class MainTest {
    @Test
    void missingDisplayIsNamed() {
        Assumptions.assumeTrue(System.getProperty("os.name", "").toLowerCase().contains("linux"), "Linux only");
        Assumptions.assumeTrue(System.getenv("DISPLAY") == null && System.getenv("WAYLAND_DISPLAY") == null,
                "a display is available here");
        String platform = System.getProperty("glass.platform");
        try {
            System.clearProperty("glass.platform");
            String reason = Main.missingDisplay();
            assertTrue(reason != null && reason.contains("DISPLAY"), String.valueOf(reason));
            System.setProperty("glass.platform", "Monocle");
            assertNull(Main.missingDisplay(), "headless Monocle needs no display");
        } finally {
            if (platform == null) {
                System.clearProperty("glass.platform");
            } else {
                System.setProperty("glass.platform", platform);
            }
        }
    }
}
