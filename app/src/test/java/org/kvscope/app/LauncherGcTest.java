package org.kvscope.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The launcher runs bench and generate on the serial collector with a 2 MiB young generation and malloc trimmed every
 * 100 ms (their peak resident memory, issue 17) and every other command, the workbench included, on its default
 * ParallelGC.
 * Runs the launcher's {@code model_gc} alone and checks that the line starting the JVM passes the flags before
 * KVSCOPE_JAVA_OPTS, so that the variable still overrides them.
 */
class LauncherGcTest {
    private static final List<String> SERIAL = List.of("-XX:-UseParallelGC", "-XX:+UseSerialGC", "-XX:MaxNewSize=2m",
            "-XX:TrimNativeHeapInterval=100");

    @ParameterizedTest
    @CsvSource(value = {"bench,serial", "generate,serial", "analyze,default", "perplexity,default", "gui,default",
            "'',default", "bench-ui,default", "help,default"})
    @Timeout(30)
    void benchAndGenerateRunOnTheSerialCollectorAndTheRestOnTheDefault(String command, String expected) throws Exception {
        assertEquals(expected.equals("serial") ? SERIAL : List.of(), LauncherScript.arraySetBy("model_gc", "gc", command),
                command);
        LauncherScript.assertPassedBeforeUserOptions("gc");
    }
}
