package org.kvscope.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
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
        LauncherScript.assertPassedBeforeUserOptions("c2");
    }

    private static List<String> flags(String command) throws Exception {
        return LauncherScript.arraySetBy("model_c2", "c2", command);
    }
}
