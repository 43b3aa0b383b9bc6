package org.kvscope.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.model.SharedModels;

/** The kvscope CLI end to end: real runs, and clear one-line errors for bad input. */
class CliTest {
    @TempDir
    static Path dir;
    static Path tiny;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Cli.standard().run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static void assertCleanError(Run r, int code, String... fragments) {
        assertEquals(code, r.code(), r.err());
        for (String f : fragments) {
            assertTrue(r.err().contains(f), "expected '" + f + "' in: " + r.err());
        }
        assertFalse(r.err().contains("\tat "), "no stack trace for the user: " + r.err());
    }

    @BeforeAll
    static void synthesize() {
        tiny = dir.resolve("tiny.gguf");
        Run r = run("synth", "--shape", "tiny-llama", "--type", "q8_0", "--out", tiny.toString());
        assertEquals(0, r.code(), r.err());
    }

    @Test
    void helpListsEveryCommand() {
        Run r = run("help");
        for (String c : new String[] {"generate", "perplexity", "synth", "bench", "inspect", "analyze", "sweep", "needle",
                "bench-policies", "suites", "score-agreement", "heads", "gui", "screenshots", "bench-ui"}) {
            assertTrue(r.out().contains("\n  " + c + " "), c);
        }
        assertCleanError(run("frobnicate"), 2, "unknown command 'frobnicate'");
    }

    /** The help's --kernels line says all that runs natively: quantized decode and prefill, float-weight decode. */
    @Test
    void theKernelsLineNamesEveryNativeProduct() {
        String line = run("help").out().lines().filter(l -> l.startsWith("global option: --kernels")).findFirst().orElseThrow();
        assertTrue(line.contains("prefill") && line.contains("F32/F16/BF16") && line.contains("8 bits"), line);
    }

    @Test
    void benchReportsRunsMedianAndKernelCeilings() {
        Run r = run("bench", "--model", tiny.toString(), "--prompt-tokens", "8", "--decode-tokens", "2", "--repeat", "1",
                "--bandwidth-mib", "16", "--kernels");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("| 1 | ") && r.out().contains("| median | "), r.out());
        List<String> lines = r.out().lines().toList(); // "device: CPU" was printed between the header and the rows
        int header = firstStarting(lines, "| run |"), median = firstStarting(lines, "| median |");
        assertTrue(0 <= firstStarting(lines, "device: ") && firstStarting(lines, "device: ") < header,
                "the device is one of the facts above the table: " + r.out());
        assertTrue(lines.subList(header, median + 1).stream().allMatch(l -> l.startsWith("| ")),
                "the table holds its rows only: " + r.out());
        assertTrue(r.out().contains("| warm-up 1 | ") && r.out().contains("(not in the median)"), r.out());
        assertTrue(r.out().contains("kernel ceilings") && r.out().contains("by type: Q8_0"), r.out());
        assertTrue(r.out().contains("prefill matmuls (batch 8)"), r.out());
        assertTrue(r.out().contains("a plain read of the same weights") && r.out().contains("the decode matvecs reach"), r.out());
        assertCleanError(run("bench", "--model", tiny.toString(), "--kernels=maybe"), 2, "--kernels");
        assertCleanError(run("bench", "--model", tiny.toString(), "--warmup", "-1"), 2, "--warmup");
    }

    private static int firstStarting(List<String> lines, String prefix) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void benchWithoutBandwidthTestLeavesTheBoundColumnsEmptyAndReportsPeakMemory() {
        Run r = run("bench", "--model", tiny.toString(), "--prompt-tokens", "4", "--decode-tokens", "1", "--repeat", "1",
                "--warmup", "0", "--bandwidth-mib", "0");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("no bandwidth test (--bandwidth-mib 0)"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("| 1 | – | – | ") && l.contains("| – | – |")), r.out());
        if (Files.isReadable(Path.of("/proc/self/status"))) {
            assertTrue(r.out().contains("peak resident memory of this JVM: "), r.out());
        }
        assertCleanError(run("bench", "--model", tiny.toString(), "--bandwidth-mib", "8"), 2, "--bandwidth-mib");
        assertCleanError(run("bench", "--model", tiny.toString(), "--bandwidth-mib", "0", "--kernels"), 2, "--kernels");
    }

    @Test
    void benchSizesTheCacheToPromptPlusDecodeLikeLlamaBenchUpToTheModelsContext() {
        Run r = run("bench", "--model", tiny.toString(), "--prompt-tokens", "250", "--decode-tokens", "6", "--repeat", "1",
                "--warmup", "0", "--bandwidth-mib", "0");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("allocated for the requested context of 256 tokens"), r.out());
        assertCleanError(run("bench", "--model", tiny.toString(), "--prompt-tokens", "250", "--decode-tokens", "7",
                "--bandwidth-mib", "0"), 2, "exceeds the model's context of 256");
    }

    @Test
    void benchWithoutWarmUpSaysRunOneIncludesCompilation() {
        Run r = run("bench", "--model", tiny.toString(), "--prompt-tokens", "4", "--decode-tokens", "1", "--repeat", "1",
                "--warmup", "0", "--bandwidth-mib", "16");
        assertEquals(0, r.code(), r.err());
        assertFalse(r.out().contains("warm-up 1"), r.out());
        assertTrue(r.out().contains("no warm-up: run 1 includes the JIT's compilation"), r.out());
    }

    @Test
    void generateOnTheRealModel() {
        var model = SharedModels.find("stories260K.gguf");
        Assumptions.assumeTrue(model.isPresent(), SharedModels.missingMessage("stories260K.gguf"));
        Run r = run("generate", "--model", model.get().toString(), "--prompt", "Once upon a time", "-n", "12");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("Once upon a time, there was a little girl named Lily"), r.out());
        assertTrue(r.err().contains("decode") && r.err().contains("tokens/s"), r.err());
    }

    /** -n 0 and -n 1 time no decode step: the line said "decode 0.0 tokens/s", a speed never measured. */
    @Test
    void generateWithoutADecodeStepSaysSoInsteadOfASpeed() {
        for (String n : new String[] {"0", "1"}) {
            Run r = run("generate", "--model", tiny.toString(), "--prompt", "the dog", "-n", n);
            assertEquals(0, r.code(), r.err());
            assertTrue(r.err().contains("; generated " + n + " tokens, no decode step on "), r.err());
        }
    }

    @Test
    void badModelFilesGiveClearErrors() throws Exception {
        Path notGguf = Files.writeString(dir.resolve("notes.txt"), "hello, this is not a model");
        assertCleanError(run("generate", "--model", notGguf.toString(), "--prompt", "x"), 1, "not a GGUF file");
        assertCleanError(run("generate", "--model", dir.resolve("missing.gguf").toString(), "--prompt", "x"), 2,
                "file not found");
        byte[] bytes = Files.readAllBytes(tiny);
        Path truncated = Files.write(dir.resolve("truncated.gguf"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertCleanError(run("generate", "--model", truncated.toString(), "--prompt", "x"), 1, "truncated");
        assertCleanError(run("generate", "--prompt", "x"), 2, "--model");
        assertCleanError(run("generate", "--model", tiny.toString(), "--prompt", "x", "-n", "many"), 2, "integer");
        assertCleanError(run("generate", "--model", tiny.toString(), "--prompt", "x", "--colour", "red"), 2,
                "unknown option --colour");
    }

    @Test
    void deviceSelectionFallsBackToTheCpuAndSaysWhy() {
        var probe = org.kvscope.backend.Backends.gpu();
        Assumptions.assumeFalse(probe.available(), "a GPU is present: the fallback path is not exercised here");
        Run auto = run("generate", "--model", tiny.toString(), "--prompt", "the dog", "-n", "3", "--device", "auto");
        assertEquals(0, auto.code(), auto.err());
        assertTrue(auto.err().contains("device: CPU (no usable GPU: " + probe.reason()), auto.err());
        assertCleanError(run("generate", "--model", tiny.toString(), "--prompt", "x", "--device", "cuda"), 2,
                "--device cuda", probe.reason());
        assertCleanError(run("generate", "--model", tiny.toString(), "--prompt", "x", "--device", "tpu"), 2,
                "auto, cpu or cuda");
    }

    @Test
    void synthAndInspect() {
        Run r = run("inspect", "--model", tiny.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("blk.0.attn_q.weight") && r.out().contains("Q8_0"), r.out());
        assertCleanError(run("synth", "--shape", "gpt-5", "--type", "q8_0", "--out", "x.gguf"), 2, "llama-3.2-1b");
        assertCleanError(run("synth", "--shape", "tiny-llama", "--type", "q3_k", "--out", "x.gguf"), 2, "q4_k");
    }

    @Test
    void synthWritesThroughALinkAndKeepsTheTargetsPermissions() throws Exception {
        Assumptions.assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"), "needs POSIX");
        Path target = Files.writeString(dir.resolve("synth-target.gguf"), "old");
        var mode = java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--");
        Files.setPosixFilePermissions(target, mode);
        Path link = Files.createSymbolicLink(dir.resolve("synth-link.gguf"), target.getFileName());
        Run r = run("synth", "--shape", "tiny-llama", "--type", "f32", "--out", link.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isSymbolicLink(link), "the link was replaced");
        assertEquals(mode, Files.getPosixFilePermissions(target));
        assertEquals(0, run("inspect", "--model", link.toString()).code());
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")), "a temporary file was left");
        }
    }

    @Test
    void synthWritesPureKQuantFiles() {
        for (String[] c : new String[][] {{"q6_k", "Q6_K", "Q6_K"}, {"q4_k_pure", "Q4_K", "Q4_K"}, {"q4_k", "Q4_K", "Q6_K"}}) {
            Path f = dir.resolve("tiny-" + c[0] + ".gguf");
            Run w = run("synth", "--shape", "tiny-llama", "--type", c[0], "--out", f.toString(), "--quiet");
            assertEquals(0, w.code(), w.err());
            Run r = run("inspect", "--model", f.toString());
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().matches("(?s).*blk\\.0\\.attn_q\\.weight\\s+" + c[1] + "\\b.*"), c[0] + ": " + r.out());
            assertTrue(r.out().matches("(?s).*blk\\.0\\.ffn_down\\.weight\\s+" + c[2] + "\\b.*"), c[0] + ": " + r.out());
        }
    }

    @Test
    void perplexityOfATextFile() throws Exception {
        Path text = Files.writeString(dir.resolve("t.txt"), "the model and the cache and the layer said the dog ".repeat(8));
        Run r = run("perplexity", "--model", tiny.toString(), "--text-file", text.toString(), "--context", "64");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("perplexity:"), r.out());
    }

    @Test
    void analyzeWritesOneReportWithEveryMetric() throws Exception {
        Path out = dir.resolve("report.json");
        Run r = run("analyze", "--model", tiny.toString(), "--prompt", "the dog saw the cat and the cat saw the dog ".repeat(4),
                "--policy", "pyramidkv", "--budget", "12", "--window", "4", "--beta", "4", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(out.toFile());
        for (String key : new String[] {"model", "prompt", "policy", "recall", "pvcOverlap", "kvMemory", "funnelling",
                "perplexity", "keptPositions"}) {
            assertTrue(json.has(key), key);
        }
        assertTrue(json.at("/kvMemory/ratio").asDouble() < 1.0);
        assertEquals(ModelLayers.TINY, json.at("/funnelling/layers").size());
    }

    @Test
    void badPolicyParametersNameTheParameterAndRange() {
        String p = "the dog saw the cat";
        assertCleanError(run("analyze", "--model", tiny.toString(), "--prompt", p, "--policy", "snapkv", "--budget", "-3"), 2,
                "budget", "2..1048576; more than --window");
        assertCleanError(run("analyze", "--model", tiny.toString(), "--prompt", p, "--policy", "snapkv", "--budget", "8",
                "--window", "16"), 2, "window", "smaller than 'budget'");
        assertCleanError(run("analyze", "--model", tiny.toString(), "--prompt", p, "--policy", "magic"), 2,
                "unknown policy 'magic'", "snapkv");
        assertCleanError(run("analyze", "--model", tiny.toString(), "--prompt", p, "--policy", "snapkv", "--alpha", "7"), 2,
                "unknown option --alpha");
        assertCleanError(run("analyze", "--model", tiny.toString(), "--prompt", p, "--policy", "h2o", "--budget", "100000",
                "--recent", "4"), 2, "budget");
        assertCleanError(run("needle", "--model", tiny.toString(), "--suite", "nope", "--policy", "snapkv"), 2,
                "needle-stories-short");
        assertCleanError(run("sweep", "--model", tiny.toString(), "--budgets", "16,abc"), 2, "--budgets");
    }

    @Test
    void kvzipIsRefusedBeforeAnyWorkWhenThePromptLeavesNoRoomForItsReconstruction() {
        String p = "the dog saw the cat and the cat saw the dog. ".repeat(20);
        Run r = run("analyze", "--model", tiny.toString(), "--prompt", p, "--max-tokens", "250", "--decode-steps", "0",
                "--policy", "kvzip", "--budget", "8");
        assertCleanError(r, 2, "policy 'kvzip' cannot score this prompt", "reconstruction pass needs room",
                "prompts of at most");
        assertFalse(r.err().contains("stages"), "refused before the progress of any stage: " + r.err());
    }

    @Test
    void benchPoliciesReportsPrefillAndSelectionPerPolicyAndTheExtraPassesApart() {
        Run r = run("bench-policies", "--model", tiny.toString(), "--tokens", "64", "--repeat", "3", "--budget", "16",
                "--policies", "snapkv,kvzip,duo-attention", "--seed", "3");
        assertEquals(0, r.code(), r.err());
        String pct = "[-+][0-9.]+%";
        for (String p : new String[] {"snapkv", "kvzip", "duo-attention"}) {
            assertTrue(r.out().lines().anyMatch(l -> l.matches("\\| " + p + " \\| [0-9.]+ \\| " + pct + " \\[" + pct + "\\.\\."
                    + pct + "] \\| \\[" + pct + "\\.\\." + pct + "] 75\\.0% \\| 3 \\| not resolved \\(too few pairs\\)"
                    + " \\| [0-9.]+ \\| [0-9.]+ \\|")), p + ": " + r.out());
        }
        assertTrue(r.out().contains("kvzip reconstruction pass"), r.out());
        assertTrue(r.out().contains("duo-attention head classification (calibration"), r.out());
        assertTrue(r.out().contains("selection: best of " + BenchPoliciesCommand.SELECTION_CALLS + " calls"), r.out());
        // a shuffled warm-up round with every configuration once, then 3 rounds of one pair per policy
        List<String> orders = r.out().lines().filter(l -> l.matches("(warm-up round|round \\d): .*")).toList();
        assertEquals(4, orders.size(), r.out());
        assertEquals(Set.of("fullkv", "snapkv", "kvzip", "duo-attention"),
                Set.of(orders.get(0).substring(orders.get(0).indexOf(": ") + 2).split(", ")), orders.get(0));
        List<String> policies = List.of("snapkv", "kvzip", "duo-attention");
        for (int round = 1; round <= 3; round++) {
            String o = orders.get(round);
            List<String> pairs = List.of(o.substring(o.indexOf(": ") + 2).split(", "));
            assertEquals(Set.copyOf(policies), pairs.stream().map(x -> x.replace("fullkv+", "").replace("+fullkv", ""))
                    .collect(java.util.stream.Collectors.toSet()), o);
            for (String p : policies) { // which runs first alternates from round to round
                String previous = orders.get(round == 1 ? 2 : round - 1);
                assertEquals(o.contains("fullkv+" + p), previous.contains(p + "+fullkv"), o + " / " + previous);
            }
            String pairLine = "  round " + round + " [a-z-]+";
            String session = round % 2 == 1 ? "b" : "a"; // the two sessions swap roles every round
            assertEquals(3, r.out().lines().filter(l -> l.matches(pairLine + ": fullkv [0-9.]+ ms, .*%"
                    + " \\(policy on session " + session + "\\)"
                    + "; process CPU in their turns \\d+ / \\d+ ms; CPU at each chunk.s end [0-9.?]+ / [0-9.?]+"
                    + "; in the pair: GC \\d+ ms \\(\\d+\\), JIT \\d+ ms,"
                    + " other processes .*, steal .*, minor faults .*")).count(), r.out());
        }
        assertTrue(orders.stream().skip(1).anyMatch(o -> !o.contains(": fullkv+")), "FullKV first in every round: " + orders);
        Run again = run("bench-policies", "--model", tiny.toString(), "--tokens", "64", "--repeat", "3", "--budget", "16",
                "--policies", "snapkv,kvzip,duo-attention", "--seed", "3", "--skip-first-call", "--quiet");
        assertEquals(orders, again.out().lines().filter(l -> l.matches("(warm-up round|round \\d): .*")).toList(),
                "the seed fixes the orders");
        assertTrue(again.out().lines().anyMatch(l -> l.matches("\\| snapkv \\| [0-9.]+ \\| .* \\| [0-9.]+ \\| - \\|")), again.out());
        Run firstOnly = run("bench-policies", "--model", tiny.toString(), "--tokens", "64", "--repeat", "0", "--budget", "16",
                "--policies", "h2o", "--quiet");
        assertEquals(0, firstOnly.code(), firstOnly.err());
        assertTrue(firstOnly.out().lines().anyMatch(l -> l.matches("\\| h2o \\| - \\| - \\| - \\| 0 \\| - \\| - \\| [0-9.]+ \\|")),
                firstOnly.out());
        // the tiny model's selection is too short to warm up for (SelectionWarmup.worthIt): 0 ms, reported all the same
        assertTrue(firstOnly.out().lines().anyMatch(l -> l.matches("h2o in the fresh JVM: selection warm-up 0\\.0 ms before"
                + " the forward pass, in a prefill of [0-9.]+ ms \\(0\\.0%; .*")), firstOnly.out());
        assertCleanError(run("bench-policies", "--model", tiny.toString(), "--repeat", "0", "--skip-first-call"), 2,
                "measures nothing");
        assertTrue(r.err().contains("bench-policies"), "progress on stderr: " + r.err());
        assertCleanError(run("bench-policies", "--model", tiny.toString(), "--tokens", "200"), 2, "--tokens", "128");
        CliTest.Run magic = run("bench-policies", "--model", tiny.toString(), "--policies", "h2o,magic");
        assertCleanError(magic, 2, "kvscope bench-policies: --policies: unknown policy 'magic'; valid: fullkv, streamingllm,"
                + " h2o, snapkv, pyramidkv, pyramidinfer, tova, ada-snapkv, ada-pyramidkv, cake, knorm, keydiff, kvzip,"
                + " duo-attention"); // one line naming every built-in policy (plugins other tests load would follow)
        assertTrue(magic.err().lines().anyMatch(l -> l.contains("'magic'") && l.contains("kvzip")), magic.err());
        assertFalse(magic.out().contains("prefill"), "refused before any work: " + magic.out());
        assertCleanError(run("sweep", "--model", tiny.toString(), "--policies", "snapkv,magic"), 2,
                "--policies: unknown policy 'magic'");
    }

    /** Layers of the tiny-llama shape. */
    static final class ModelLayers {
        static final int TINY = 2;
    }
}
