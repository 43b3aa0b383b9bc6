package org.kvscope.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kvscope.app.cli.DeviceOptionTest.with;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --cache-type} on every command that runs a model: documented, validated first, runs, CUDA refuses. */
class CacheTypeOptionTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void synthesize() throws Exception {
        DeviceOptionTest.synthesizeInto(dir);
    }

    @Test
    void everyModelCommandDocumentsAndValidatesTheCacheType() {
        for (String[] c : DeviceOptionTest.commands()) {
            CliTest.Run help = CliTest.run("help", c[0]);
            assertTrue((help.out() + help.err()).contains("--cache-type T"), c[0] + " documents --cache-type");
            String[] bad = with(c, "--cache-type", "q5_1");
            bad[2] = "/no/such/model.gguf"; // checked before the model is read
            CliTest.assertCleanError(CliTest.run(bad), 2, "--cache-type must be f32, f16, q8_0 or q4_0, was 'q5_1'");
        }
    }

    @Test
    void theCudaBackendRefusesACompactCacheAndAutoRunsItOnTheCpu() {
        String[] perplexity = DeviceOptionTest.commands().get(1);
        CliTest.Run cuda = CliTest.run(with(perplexity, "--device", "cuda", "--cache-type", "q8_0"));
        CliTest.assertCleanError(cuda, 2, "--device cuda: the CUDA backend keeps its KV cache in f32 only, not q8_0");
        CliTest.Run auto = CliTest.run(with(perplexity, "--device", "auto", "--cache-type", "q8_0"));
        assertEquals(0, auto.code(), auto.err());
        // the line says what runs and why: no GPU here, or (with one) that the cache type keeps it off the GPU
        org.kvscope.backend.Backends.GpuStatus gpu = org.kvscope.backend.Backends.gpu();
        String device = auto.err().lines().filter(l -> l.startsWith("device: ")).findFirst().orElse("");
        assertEquals(gpu.available()
                ? "device: CPU, not the GPU: the CUDA backend keeps its KV cache in f32 only and --cache-type is q8_0"
                : "device: CPU (no usable GPU: " + gpu.reason() + "); KV cache q8_0", device, auto.err());
    }

    @Test
    void generateAndPerplexityRunWithEachType() {
        String[] perplexity = DeviceOptionTest.commands().get(1);
        String f32 = CliTest.run(with(perplexity, "--device", "cpu", "--cache-type", "f32")).out();
        assertEquals(f32, CliTest.run(with(perplexity, "--device", "cpu")).out(), "f32 is the default");
        for (String type : List.of("f16", "q8_0", "q4_0")) {
            CliTest.Run r = CliTest.run(with(perplexity, "--device", "cpu", "--cache-type", type));
            assertEquals(0, r.code(), r.err());
            assertNotEquals(f32, r.out(), type + " is not exact, so the perplexity's digits move");
            CliTest.Run g = CliTest.run(with(DeviceOptionTest.commands().get(0), "--device", "cpu", "--cache-type", type));
            assertEquals(0, g.code(), g.err());
        }
        CliTest.Run bench = CliTest.run(with(DeviceOptionTest.commands().get(5), "--device", "cpu", "--cache-type", "q4_0"));
        assertEquals(0, bench.code(), bench.err());
        assertTrue(bench.out().contains("KV cache (q4_0) allocated"), bench.out());
    }

    /** analyze's memory and occupancy bytes count the cache type's real bytes: q8_0 is 68/256 of f32 at head size 64. */
    @Test
    void analyzeCountsTheTypesBytes() {
        String[] analyze = DeviceOptionTest.commands().get(2);
        long f32 = number(CliTest.run(with(analyze, "--device", "cpu")).out(), "keptBytes");
        long q8 = number(CliTest.run(with(analyze, "--device", "cpu", "--cache-type", "q8_0")).out(), "keptBytes");
        assertTrue(f32 > 0);
        assertEquals(f32 / 256 * 68, q8);
    }

    private static long number(String json, String key) {
        var m = java.util.regex.Pattern.compile("\"" + key + "\"\\s*:\\s*(\\d+)").matcher(json);
        assertTrue(m.find(), key + " in " + json);
        return Long.parseLong(m.group(1));
    }
}
