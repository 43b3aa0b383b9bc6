package org.kvscope.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher returns only after its stderr filter has copied everything the JVM wrote. It used to exec the
 * JVM with stderr through a process substitution that nobody waited for: a caller saw the exit status while
 * the filter still held the last lines, so {@code ./kvscope ... 2>err; cat err} could show an empty file
 * instead of the one-line error (seen under load). Runs the real launcher in a copy of the layout it expects,
 * with a stand-in {@code java} whose last line reaches the filter late.
 */
class LauncherStderrTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(60)
    void theLauncherReturnsAfterItsStderrFilterHasCopiedEverything() throws Exception {
        Path copy = dir.resolve("kvscope-root");
        Files.createDirectories(copy.resolve("app/target/lib"));
        Files.copy(LauncherScript.path(), copy.resolve("kvscope"));
        Files.createFile(copy.resolve("app/target/lib/.built"));
        Path jdk = dir.resolve("jdk");
        Files.createDirectories(jdk.resolve("bin"));
        Files.writeString(jdk.resolve("release"), "JAVA_VERSION=\"25.0.3\"\n");
        Path java = jdk.resolve("bin/java");
        Files.writeString(java, """
                #!/usr/bin/env bash
                echo 'WARNING: Using incubator modules: jdk.incubator.vector' >&2
                echo 'kvscope analyze: parameter was bad' >&2
                ( sleep 1; echo 'run kvscope help analyze for usage' >&2 ) &
                exit 2
                """);
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path err = dir.resolve("err.txt");
        ProcessBuilder pb = new ProcessBuilder("bash", copy.resolve("kvscope").toString(), "analyze")
                .redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("JAVA_HOME", jdk.toString());
        pb.environment().put("KVSCOPE_AOT", "0");
        Process p = pb.start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String shown = Files.readString(err); // read at once, as a script does after the command returns
        assertEquals(2, p.exitValue(), shown);
        assertEquals("kvscope analyze: parameter was bad\nrun kvscope help analyze for usage\n", shown);
    }
}
