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
 * For bench and generate the launcher makes C2's largest compilations smaller (peak resident memory, issue 17):
 * {@code model_c2} keeps four callees out of {@code CpuForward::layer} ({@code -XX:CompileCommand=dontinline,...}) and
 * caps the arena of the JDK's {@code StackMapGenerator::processBlock} ({@code MemLimit}). The JVM ignores a command
 * for a method that does not exist, so every named method must exist here.
 */
class LauncherC2Test {
    private static final String DONT_INLINE = "-XX:CompileCommand=dontinline,";
    private static final String MEM_LIMIT = "-XX:CompileCommand=MemLimit,";

    @ParameterizedTest
    @CsvSource(value = {"bench,true", "generate,true", "analyze,false", "perplexity,false", "gui,false", "'',false",
            "help,false"})
    @Timeout(30)
    void benchAndGenerateGetTheFlagsAndTheRestNone(String command, boolean kept)
            throws Exception {
        List<String> flags = flags(command);
        if (!kept) {
            assertEquals(List.of(), flags, command);
            return;
        }
        assertEquals(List.of("-XX:CompileCommand=quiet",
                MEM_LIMIT + "jdk.internal.classfile.impl.StackMapGenerator::processBlock,9m",
                DONT_INLINE + "org.kvscope.tensor.FloatTensor::matmuls", DONT_INLINE + "org.kvscope.backend.cpu.Rope::rotate",
                DONT_INLINE + "org.kvscope.kv.SlotKvCache::append", DONT_INLINE + "org.kvscope.backend.cpu.CpuForward::addBias"),
                flags, command);
    }

    @Test
    @Timeout(30)
    void everyMethodTheLauncherNamesExists() throws Exception {
        List<String> flags = flags("bench");
        assertFalse(flags.isEmpty());
        for (String flag : flags.subList(1, flags.size())) {
            String method = flag.startsWith(MEM_LIMIT) ? flag.substring(MEM_LIMIT.length()).split(",")[0]
                    : flag.substring(DONT_INLINE.length());
            assertTrue(flag.startsWith(MEM_LIMIT) || flag.startsWith(DONT_INLINE), flag);
            String[] target = method.split("::");
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
        int c2 = exec.group().indexOf("\"${c2[@]}\""), opts = exec.group().indexOf("${KVSCOPE_JAVA_OPTS:-}");
        assertTrue(c2 > 0 && opts > c2, "C2 flags before KVSCOPE_JAVA_OPTS: " + exec.group());
    }

    /** Runs the launcher's model_c2 alone for {@code command}; returns the flags it sets. */
    private static List<String> flags(String command) throws Exception {
        Matcher function = Pattern.compile("(?ms)^model_c2\\(\\) \\{.*?^\\}$").matcher(Files.readString(launcher()));
        assertTrue(function.find(), "no model_c2 function in the launcher");
        Process p = new ProcessBuilder("bash", "-c", "set -euo pipefail; " + function.group()
                + "\nmodel_c2 \"$1\"; for f in \"${c2[@]}\"; do echo \"$f\"; done", "bash", command)
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
