package org.kvscope.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kvscope.app.cli.CliTest.run;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Progress of long commands: a bar on a terminal, one summary line elsewhere, nothing with --quiet. */
class ProgressTest {
    @TempDir
    static Path dir;
    static Path tiny;
    static Path text;

    @BeforeAll
    static void synthesize() throws Exception {
        tiny = dir.resolve("tiny.gguf");
        CliTest.Run synth = run("synth", "--shape", "tiny-llama", "--type", "q8_0", "--out", tiny.toString());
        assertEquals(0, synth.code(), synth.err());
        assertTrue(synth.err().matches("(?s).*synth: (\\d+)/\\1 matrices in .*"), synth.err());
        text = Files.writeString(dir.resolve("t.txt"), "the model and the cache said the dog ".repeat(8));
    }

    @Test
    void withoutATerminalALongCommandEndsWithOneSummaryLine() {
        CliTest.Run r = run("perplexity", "--model", tiny.toString(), "--text-file", text.toString(), "--context", "32");
        assertEquals(0, r.code(), r.err());
        assertEquals(1, r.err().lines().filter(l -> l.matches("perplexity: \\d+/\\d+ tokens in .*")).count(), r.err());
        assertFalse(r.err().contains("\r"), "no carriage returns in a log");
        CliTest.Run a = run("analyze", "--model", tiny.toString(), "--prompt", "the dog saw the cat ".repeat(3),
                "--policy", "snapkv", "--budget", "8", "--window", "2");
        assertEquals(0, a.code(), a.err());
        assertTrue(a.err().contains("analyze: 3/3 stages in "), a.err());
    }

    /** Every command that can run for seconds: one summary line "TASK: n/n UNIT in T s" without a terminal, none with --quiet. */
    @Test
    void everyLongCommandSummarisesOnceAndIsSilencedByQuiet() {
        String m = tiny.toString();
        String prompt = "the dog saw the cat and the cat saw the dog ".repeat(3);
        java.util.List<String[]> commands = new java.util.ArrayList<>(java.util.List.of(
                new String[] {"synth", "--shape", "tiny-llama", "--type", "f32", "--out", dir.resolve("s.gguf").toString()},
                new String[] {"perplexity", "--model", m, "--text-file", text.toString(), "--context", "32"},
                new String[] {"analyze", "--model", m, "--prompt", prompt, "--policy", "snapkv", "--budget", "8", "--window", "2"},
                new String[] {"sweep", "--model", m, "--policies", "knorm", "--budgets", "8", "--texts", "1",
                        "--needle-suite", "none"},
                new String[] {"bench-policies", "--model", m, "--tokens", "16", "--repeat", "1", "--policies", "knorm",
                        "--budget", "8"},
                new String[] {"score-agreement", "--model", m, "--prompt", prompt, "--policies", "knorm,keydiff",
                        "--budget", "8"},
                new String[] {"heads", "--model", m},
                new String[] {"bench", "--model", m, "--prompt-tokens", "8", "--decode-tokens", "2", "--repeat", "1",
                        "--warmup", "0", "--bandwidth-mib", "0"}));
        org.kvscope.model.SharedModels.find("stories260K.gguf").ifPresent(stories -> commands.add(new String[] {
                "needle", "--model", stories.toString(), "--suite", "needle-stories-short", "--policy", "knorm",
                "--budget", "16", "--templates", "1"}));
        Pattern summary = Pattern.compile("^[a-z-]+( \\S+)?: (\\d+)/\\2 [^\\r]* in \\d+(\\.\\d+)? s$");
        for (String[] args : commands) {
            CliTest.Run r = run(args);
            assertEquals(0, r.code(), args[0] + ": " + r.err());
            assertEquals(1, r.err().lines().filter(l -> l.startsWith(args[0]) && summary.matcher(l).matches()).count(),
                    args[0] + ": " + r.err());
            String[] quiet = java.util.Arrays.copyOf(args, args.length + 1);
            quiet[args.length] = "--quiet";
            CliTest.Run q = run(quiet);
            assertEquals(0, q.code(), args[0] + " --quiet: " + q.err());
            assertTrue(q.err().lines().noneMatch(l -> summary.matcher(l).matches()), args[0] + " --quiet: " + q.err());
        }
    }

    @Test
    void quietSilencesProgress() {
        CliTest.Run r = run("perplexity", "--model", tiny.toString(), "--text-file", text.toString(), "--context", "32",
                "--quiet");
        assertEquals(0, r.code(), r.err());
        assertFalse(r.err().contains("tokens in"), r.err());
        assertTrue(r.out().contains("perplexity:"), r.out());
    }

    @Test
    void onATerminalTheBarShowsTaskDoneTotalElapsedAndTimeLeft() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        try (Progress p = Progress.forMode(Progress.Mode.BAR, err, "sweep", 4, "steps")) {
            p.step("snapkv{budget=16}");
            p.step("snapkv{budget=32}");
            p.log("snapkv budget 32 ppl 6.6");
            p.step("snapkv{budget=64}");
        }
        String shown = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(shown.contains("\r"), shown);
        assertTrue(shown.contains("sweep") && shown.contains("3/4 steps") && shown.contains("(0:00:0"), shown);
        assertTrue(shown.contains("snapkv budget 32 ppl 6.6"), shown);
    }

    @Test
    void theLauncherTellsTheJvmWhetherStderrIsATerminal() {
        String before = System.getProperty(Progress.TERMINAL_PROPERTY);
        try {
            System.setProperty(Progress.TERMINAL_PROPERTY, "true");
            assertTrue(Progress.stderrIsTerminal());
            System.setProperty(Progress.TERMINAL_PROPERTY, "false");
            assertFalse(Progress.stderrIsTerminal());
        } finally {
            if (before == null) {
                System.clearProperty(Progress.TERMINAL_PROPERTY);
            } else {
                System.setProperty(Progress.TERMINAL_PROPERTY, before);
            }
        }
    }

    /** The launcher's stderr filter, run alone: drops the JVM's incubator warning, passes anything else through at once. */
    @Test
    @org.junit.jupiter.api.Timeout(30)
    void theLaunchersStderrFilterPassesBinaryAndCarriageReturnsThrough() throws Exception {
        Path root = Path.of("").toAbsolutePath();
        while (!Files.exists(root.resolve("kvscope"))) {
            root = root.getParent();
        }
        Matcher m = Pattern.compile("^exec \\{filtered\\}> >\\((.*)\\)\\s*$", Pattern.MULTILINE)
                .matcher(Files.readString(root.resolve("kvscope")));
        assertTrue(m.find(), "no stderr filter in the launcher");
        Process p = new ProcessBuilder("bash", "-c", "set -euo pipefail; " + m.group(1)).start();
        OutputStream in = p.getOutputStream();
        InputStream shown = p.getErrorStream();
        in.write("WARNING: Using incubator modules: jdk.incubator.vector\n".getBytes(StandardCharsets.UTF_8));
        byte[] bar = "\rsweep  10% [=>   ] 1/10".getBytes(StandardCharsets.UTF_8);
        in.write(bar);
        in.flush();
        byte[] first = shown.readNBytes(bar.length); // arrives before any newline: not held back line by line
        assertEquals(new String(bar, StandardCharsets.UTF_8), new String(first, StandardCharsets.UTF_8));
        byte[] binary = {0, 27, '[', '2', 'J', (byte) 0xff, '\n', 'e', 'n', 'd'};
        in.write(binary);
        in.close();
        byte[] rest = shown.readAllBytes();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(java.util.Arrays.toString(binary), java.util.Arrays.toString(rest));
    }
}
