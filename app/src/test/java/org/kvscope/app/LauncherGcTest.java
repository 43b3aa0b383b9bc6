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
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The launcher runs bench and generate on the serial collector with a 4 MiB young generation (their peak
 * resident memory, issue 17) and every other command, the workbench included, on its default ParallelGC.
 * Runs the launcher's {@code model_gc} alone and checks that the line starting the JVM passes the flags before
 * KVSCOPE_JAVA_OPTS, so that the variable still overrides them.
 */
class LauncherGcTest {
    private static final List<String> SERIAL = List.of("-XX:-UseParallelGC", "-XX:+UseSerialGC", "-XX:MaxNewSize=4m");

    @ParameterizedTest
    @CsvSource(value = {"bench,serial", "generate,serial", "analyze,default", "perplexity,default", "gui,default",
            "'',default", "bench-ui,default", "help,default"})
    @Timeout(30)
    void benchAndGenerateRunOnTheSerialCollectorAndTheRestOnTheDefault(String command, String expected) throws Exception {
        String launcher = Files.readString(launcher());
        Matcher function = Pattern.compile("(?ms)^model_gc\\(\\) \\{.*?^\\}$").matcher(launcher);
        assertTrue(function.find(), "no model_gc function in the launcher");
        Process p = new ProcessBuilder("bash", "-c", "set -euo pipefail; " + function.group()
                + "\nmodel_gc \"$1\"; for f in \"${gc[@]}\"; do echo \"$f\"; done", "bash", command)
                .redirectErrorStream(true).start();
        String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), printed);
        assertEquals(expected.equals("serial") ? SERIAL : List.of(), printed.lines().toList(), command);
        Matcher exec = Pattern.compile("(?m)^.*\\$\\{jvm\\[@\\]\\}.*org\\.kvscope\\.app\\.Main \"\\$@\".*$").matcher(launcher);
        assertTrue(exec.find(), "no line in the launcher that starts the JVM on Main");
        int gc = exec.group().indexOf("\"${gc[@]}\""), opts = exec.group().indexOf("${KVSCOPE_JAVA_OPTS:-}");
        assertTrue(gc > 0 && opts > gc, "gc flags before KVSCOPE_JAVA_OPTS: " + exec.group());
    }

    private static Path launcher() {
        Path root = Path.of("").toAbsolutePath();
        while (!Files.exists(root.resolve("kvscope"))) {
            root = root.getParent();
        }
        return root.resolve("kvscope");
    }
}
