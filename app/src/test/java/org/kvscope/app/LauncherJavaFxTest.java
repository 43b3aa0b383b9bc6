package org.kvscope.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher puts JavaFX on the module path (from the class path JavaFX warns "Unsupported JavaFX
 * configuration" at every start of the workbench, screenshots and bench-ui) and patches Monocle into
 * javafx.graphics; every other jar stays on the class path. Runs the launcher's {@code javafx_layout}
 * alone on a directory of empty jars named as Maven copies them.
 */
class LauncherJavaFxTest {
    @TempDir
    Path lib;

    @Test
    @Timeout(30)
    void javaFxJarsGoOnTheModulePathAndMonocleIntoJavafxGraphics() throws Exception {
        for (String jar : List.of("controlsfx-11.2.4.jar", "javafx-base-25.0.4-linux.jar", "javafx-base-25.0.4.jar",
                "javafx-graphics-25.0.4-linux.jar", "jackson-core-2.18.2.jar", "openjfx-monocle-21.0.2.jar")) {
            Files.createFile(lib.resolve(jar));
        }
        Matcher function = Pattern.compile("(?ms)^javafx_layout\\(\\) \\{.*?^\\}$").matcher(Files.readString(LauncherScript.path()));
        assertTrue(function.find(), "no javafx_layout function in the launcher");
        Process p = new ProcessBuilder("bash", "-c", "set -euo pipefail; " + function.group()
                + "\njavafx_layout \"$1\" app.jar; printf '%s\\n' \"$cp\" \"${fx[@]}\"", "bash", lib.toString())
                .redirectErrorStream(true).start();
        String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), printed);
        String j = lib + "/";
        assertEquals(List.of(
                "app.jar:" + j + "controlsfx-11.2.4.jar:" + j + "jackson-core-2.18.2.jar",
                "--module-path", j + "javafx-base-25.0.4-linux.jar:" + j + "javafx-base-25.0.4.jar:" + j + "javafx-graphics-25.0.4-linux.jar",
                "--add-modules", "javafx.controls,javafx.swing",
                "--patch-module", "javafx.graphics=" + j + "openjfx-monocle-21.0.2.jar",
                "--enable-native-access=javafx.graphics"), printed.lines().toList());
    }
}
