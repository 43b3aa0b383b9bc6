package org.kvscope.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The {@code kvscope} launcher script as the launcher tests read and run parts of it. */
final class LauncherScript {
    private LauncherScript() {
    }

    /** The launcher at the repository root (found upwards from the working directory). */
    static Path path() {
        Path root = Path.of("").toAbsolutePath();
        while (!Files.exists(root.resolve("kvscope"))) {
            root = root.getParent();
        }
        return root.resolve("kvscope");
    }

    /**
     * Runs the launcher's shell function {@code function} alone for {@code command} and returns the elements of the
     * bash array {@code array} it sets, one per line.
     */
    static List<String> arraySetBy(String function, String array, String command) throws IOException, InterruptedException {
        Matcher body = Pattern.compile("(?ms)^" + function + "\\(\\) \\{.*?^\\}$").matcher(Files.readString(path()));
        assertTrue(body.find(), "no " + function + " function in the launcher");
        Process p = new ProcessBuilder("bash", "-c", "set -euo pipefail; " + body.group()
                + "\n" + function + " \"$1\"; for f in \"${" + array + "[@]}\"; do echo \"$f\"; done", "bash", command)
                .redirectErrorStream(true).start();
        String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), printed);
        return printed.lines().toList();
    }

    /** Checks that the line starting the JVM on Main passes {@code "${array[@]}"} before KVSCOPE_JAVA_OPTS. */
    static void assertPassedBeforeUserOptions(String array) throws IOException {
        Matcher exec = Pattern.compile("(?m)^.*\\$\\{jvm\\[@\\]\\}.*org\\.kvscope\\.app\\.Main \"\\$@\".*$")
                .matcher(Files.readString(path()));
        assertTrue(exec.find(), "no line in the launcher that starts the JVM on Main");
        int flags = exec.group().indexOf("\"${" + array + "[@]}\""), opts = exec.group().indexOf("${KVSCOPE_JAVA_OPTS:-}");
        assertTrue(flags > 0 && opts > flags, array + " flags before KVSCOPE_JAVA_OPTS: " + exec.group());
    }
}
