package org.kvscope.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The launcher runs bench on C2 alone, without tiered compilation (its peak resident memory, issue 17), with its decode
 * path compiled at a tenth of the thresholds; every other command keeps the JVM's tiers (generate's short runs and the
 * commands that only print need C1, the small-model path runs C1 alone). The JVM ignores a command for a method that
 * does not exist, so every named method must exist here.
 */
class LauncherTiersTest {
    private static final String SCALING = "-XX:CompileCommand=CompileThresholdScaling,";

    @ParameterizedTest
    @CsvSource(value = {"bench,true", "generate,false", "analyze,false", "perplexity,false", "gui,false", "'',false",
            "bench-ui,false", "help,false", "suites,false"})
    @Timeout(30)
    void benchRunsOnC2AloneAndTheRestWithTiers(String command, boolean c2Alone) throws Exception {
        List<String> flags = flags(command);
        if (!c2Alone) {
            assertEquals(List.of(), flags, command);
            return;
        }
        assertEquals(List.of("-XX:-TieredCompilation", SCALING + "org.kvscope.tensor.FloatTensor::matvecs,0.1",
                SCALING + "org.kvscope.backend.cpu.DecodeAttention::attend,0.1",
                SCALING + "org.kvscope.backend.cpu.DecodeAttention::segments,0.1",
                SCALING + "org.kvscope.tensor.Parallel$Worker::run,0.1",
                SCALING + "org.kvscope.backend.cpu.CpuForward::project,0.1",
                SCALING + "org.kvscope.backend.cpu.CpuForward::normRows,0.1"), flags, command);
    }

    @Test
    @Timeout(30)
    void everyMethodTheLauncherNamesExists() throws Exception {
        List<String> flags = flags("bench");
        assertTrue(flags.size() > 1);
        for (String flag : flags.subList(1, flags.size())) {
            assertTrue(flag.startsWith(SCALING), flag);
            String[] target = flag.substring(SCALING.length()).split(",")[0].split("::");
            Class<?> holder = Class.forName(target[0], false, getClass().getClassLoader());
            assertTrue(Arrays.stream(holder.getDeclaredMethods()).map(Method::getName).anyMatch(target[1]::equals),
                    "no method " + target[1] + " declared in " + target[0]);
        }
    }

    @Test
    void theLineStartingTheJvmPassesTheFlagsBeforeTheUsersOptions() throws Exception {
        LauncherScript.assertPassedBeforeUserOptions("tiers");
    }

    private static List<String> flags(String command) throws Exception {
        return LauncherScript.arraySetBy("model_tiers", "tiers", command);
    }
}
