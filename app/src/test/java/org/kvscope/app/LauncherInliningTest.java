package org.kvscope.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The launcher keeps four callees out of C2's compilation of {@code CpuForward::layer} for bench and generate (peak
 * resident memory, issue 17): {@code model_inlining} names them in {@code -XX:CompileCommand=dontinline,...} flags,
 * which the JVM ignores silently for a method that does not exist, so every named method must exist here.
 */
class LauncherInliningTest {
    private static final String DONT_INLINE = "-XX:CompileCommand=dontinline,";

    @ParameterizedTest
    @CsvSource(value = {"bench,true", "generate,true", "analyze,false", "perplexity,false", "gui,false", "'',false",
            "help,false"})
    @Timeout(30)
    void benchAndGenerateKeepTheCalleesOutOfLayerAndTheRestInlineAsUsual(String command, boolean kept)
            throws Exception {
        List<String> flags = flags(command);
        if (!kept) {
            assertEquals(List.of(), flags, command);
            return;
        }
        assertEquals("-XX:CompileCommand=quiet", flags.getFirst(), "quiet first: the JVM prints each command otherwise");
        assertEquals(List.of("org.kvscope.tensor.FloatTensor::matmuls", "org.kvscope.backend.cpu.Rope::rotate",
                        "org.kvscope.kv.SlotKvCache::append", "org.kvscope.backend.cpu.CpuForward::addBias"),
                flags.subList(1, flags.size()).stream().map(f -> f.substring(DONT_INLINE.length())).toList(), command);
    }

    @Test
    @Timeout(30)
    void everyMethodTheLauncherNamesExists() throws Exception {
        List<String> flags = flags("bench");
        assertFalse(flags.isEmpty());
        for (String flag : flags.subList(1, flags.size())) {
            assertTrue(flag.startsWith(DONT_INLINE), flag);
            String[] target = flag.substring(DONT_INLINE.length()).split("::");
            Class<?> holder = Class.forName(target[0], false, getClass().getClassLoader());
            assertTrue(Arrays.stream(holder.getDeclaredMethods()).map(Method::getName).anyMatch(target[1]::equals),
                    "no method " + target[1] + " declared in " + target[0]);
        }
    }

    @Test
    void theLineStartingTheJvmPassesTheFlagsBeforeTheUsersOptions() throws Exception {
        Matcher exec = Pattern.compile("(?m)^.*\\$\\{jvm\\[@\\]\\}.*org\\.kvscope\\.app\\.Main \"\\$@\".*$")
                .matcher(Files.readString(launcher()));
        assertTrue(exec.find(), "no line in the launcher that starts the JVM on Main");
        int inl = exec.group().indexOf("\"${inl[@]}\""), opts = exec.group().indexOf("${KVSCOPE_JAVA_OPTS:-}");
        assertTrue(inl > 0 && opts > inl, "inlining flags before KVSCOPE_JAVA_OPTS: " + exec.group());
    }

    /** Runs the launcher's model_inlining alone for {@code command}; returns the flags it sets. */
    private static List<String> flags(String command) throws Exception {
        Matcher function = Pattern.compile("(?ms)^model_inlining\\(\\) \\{.*?^\\}$").matcher(Files.readString(launcher()));
        assertTrue(function.find(), "no model_inlining function in the launcher");
        Process p = new ProcessBuilder("bash", "-c", "set -euo pipefail; " + function.group()
                + "\nmodel_inlining \"$1\"; for f in \"${inl[@]}\"; do echo \"$f\"; done", "bash", command)
                .redirectErrorStream(true).start();
        String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), printed);
        return printed.lines().toList();
    }

    private static Path launcher() {
        Path root = Path.of("").toAbsolutePath();
        while (!Files.exists(root.resolve("kvscope"))) {
            root = root.getParent();
        }
        return root.resolve("kvscope");
    }
}
