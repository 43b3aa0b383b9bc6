package org.kvscope.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.backend.Backends;

/** {@code --device} on every command that runs a model: validated early, CUDA refused with the reason, auto falls back. */
class DeviceOptionTest {
    @TempDir
    static Path dir;
    static Path tiny, text;

    @BeforeAll
    static void synthesize() throws Exception {
        synthesizeInto(dir);
    }

    /** The tiny model and text {@link #commands} run on, written into {@code dir}. */
    static void synthesizeInto(Path dir) throws Exception {
        tiny = dir.resolve("tiny.gguf");
        assertEquals(0, CliTest.run("synth", "--shape", "tiny-llama", "--type", "q8_0", "--out", tiny.toString()).code());
        text = Files.writeString(dir.resolve("t.txt"), "the dog saw the cat and the cat saw the dog ".repeat(4));
    }

    /** The smallest run of each command, on the tiny model. */
    static List<String[]> commands() {
        String m = tiny.toString();
        return List.of(
                new String[] {"generate", "--model", m, "--prompt", "the dog", "-n", "2"},
                new String[] {"perplexity", "--model", m, "--text-file", text.toString(), "--context", "16"},
                new String[] {"analyze", "--model", m, "--text-file", text.toString(), "--policy", "snapkv",
                        "--budget", "16", "--window", "4", "--decode-steps", "2"},
                new String[] {"sweep", "--model", m, "--policies", "snapkv", "--budgets", "16", "--texts", "1",
                        "--needle-suite", "none"},
                new String[] {"needle", "--model", m, "--suite", "needle-stories-short", "--policy", "snapkv",
                        "--budget", "16", "--window", "4", "--templates", "1"},
                new String[] {"bench", "--model", m, "--prompt-tokens", "4", "--decode-tokens", "1", "--repeat", "1",
                        "--warmup", "0", "--bandwidth-mib", "16"},
                new String[] {"score-agreement", "--model", m, "--text-file", text.toString(), "--policies", "snapkv,h2o",
                        "--budget", "16"},
                new String[] {"heads", "--model", m, "--format", "csv"});
    }

    static String[] with(String[] command, String... extra) {
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(List.of(extra));
        return all.toArray(String[]::new);
    }

    @Test
    void everyModelCommandDocumentsAndValidatesTheDevice() {
        for (String[] c : commands()) {
            CliTest.Run help = CliTest.run("help", c[0]);
            assertTrue((help.out() + help.err()).contains("--device D"), c[0] + " documents --device");
            CliTest.assertCleanError(CliTest.run(with(c, "--device", "tpu")), 2, "--device must be auto, cpu or cuda, was 'tpu'");
        }
    }

    /** Every command's line with its model and any text file replaced by paths that do not exist. */
    private static List<String[]> withMissingFiles() {
        return commands().stream().map(c -> {
            String[] missing = c.clone();
            for (int i = 1; i < missing.length; i++) {
                if (missing[i - 1].equals("--model") || missing[i - 1].equals("--text-file")) {
                    missing[i] = dir.resolve("missing-" + i).toString();
                }
            }
            return missing;
        }).toList();
    }

    @Test
    void cudaWithACompactCacheIsRefusedBeforeAnyFileIsRead() {
        for (String[] c : withMissingFiles()) {
            CliTest.assertCleanError(CliTest.run(with(c, "--device", "cuda", "--cache-type", "f16")), 2,
                    "--device cuda: the CUDA backend keeps its KV cache in f32 only, not f16");
        }
    }

    @Test
    void withoutAGpuCudaIsRefusedBeforeAnyFileIsRead() {
        Backends.GpuStatus gpu = Backends.gpu();
        Assumptions.assumeFalse(gpu.available(), "a GPU is present: nothing to refuse");
        for (String[] c : withMissingFiles()) {
            CliTest.Run r = CliTest.run(with(c, "--device", "cuda"));
            CliTest.assertCleanError(r, 2, "--device cuda: no usable GPU: " + gpu.reason());
            assertTrue(!r.err().contains("missing-"), c[0] + " read no file first: " + r.err());
        }
    }

    @Test
    void withoutAGpuCudaSaysWhyAndAutoFallsBackToTheCpu() {
        Backends.GpuStatus gpu = Backends.gpu();
        Assumptions.assumeFalse(gpu.available(), "a GPU is present: the fallback is not exercised here");
        for (String[] c : commands()) {
            CliTest.Run r = CliTest.run(with(c, "--device", "cuda"));
            CliTest.assertCleanError(r, 2, "--device cuda: no usable GPU: " + gpu.reason());
            assertEquals(1, r.err().strip().lines().filter(l -> l.contains("--device cuda")).count(), r.err());
        }
        CliTest.Run auto = CliTest.run(with(commands().get(1), "--device", "auto"));
        assertEquals(0, auto.code(), auto.err());
        assertTrue(auto.err().contains("device: CPU (no usable GPU: " + gpu.reason() + ")"), auto.err());
        CliTest.Run cpu = CliTest.run(with(commands().get(1), "--device", "cpu"));
        assertEquals(0, cpu.code(), cpu.err());
        assertEquals(auto.out(), cpu.out(), "auto on a machine without a GPU is the CPU run");
        assertTrue(!cpu.err().contains("device:"), "an explicit CPU choice needs no notice: " + cpu.err());
    }

    @Test
    void benchSaysWhichDeviceRunsOnceInItsHeader() {
        Backends.GpuStatus gpu = Backends.gpu();
        Assumptions.assumeFalse(gpu.available(), "a GPU is present: the fallback is not exercised here");
        String[] bench = commands().stream().filter(c -> c[0].equals("bench")).findFirst().orElseThrow();
        CliTest.Run auto = CliTest.run(with(bench, "--device", "auto"));
        assertEquals(0, auto.code(), auto.err());
        assertEquals(List.of("device: CPU (no usable GPU: " + gpu.reason() + ")"),
                auto.out().lines().filter(l -> l.startsWith("device:")).toList(), auto.out());
        assertTrue(!auto.err().contains("device:"), "the notice is not repeated on stderr: " + auto.err());
        CliTest.Run cpu = CliTest.run(with(bench, "--device", "cpu"));
        assertEquals(0, cpu.code(), cpu.err());
        assertEquals(List.of("device: CPU"), cpu.out().lines().filter(l -> l.startsWith("device:")).toList(), cpu.out());
    }
}
