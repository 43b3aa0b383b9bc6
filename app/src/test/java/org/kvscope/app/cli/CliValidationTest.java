package org.kvscope.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kvscope.app.cli.CliTest.assertCleanError;
import static org.kvscope.app.cli.CliTest.run;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every parameter and output is checked before any model runs; errors name the cause (issue 16). */
class CliValidationTest {
    @TempDir
    static Path dir;
    static Path tiny;
    static Path notAModel;
    static final String PROMPT = "the dog saw the cat and the cat saw the dog ";

    @BeforeAll
    static void synthesize() throws Exception {
        tiny = dir.resolve("tiny.gguf");
        CliTest.Run r = run("synth", "--shape", "tiny-llama", "--type", "q8_0", "--out", tiny.toString());
        assertEquals(0, r.code(), r.err());
        notAModel = Files.writeString(dir.resolve("not-a-model.gguf"), "no model here");
    }

    /** The model given is not even GGUF: an output error proves the outputs were checked before it was read. */
    @Test
    void everyOutputIsCheckedBeforeTheModelIsRead() throws Exception {
        Path file = Files.writeString(dir.resolve("plain.txt"), "x");
        String missing = dir.resolve("no-such-dir/sweep.json").toString();
        assertCleanError(run("sweep", "--model", notAModel.toString(), "--out-json", missing), 2,
                "--out-json " + missing, "does not exist");
        assertCleanError(run("sweep", "--model", notAModel.toString(), "--out-csv", dir.toString()), 2,
                "--out-csv " + dir, "is a directory");
        assertCleanError(run("needle", "--model", notAModel.toString(), "--suite", "needle-stories-short",
                "--out-csv", file.resolve("grid.csv").toString()), 2, "--out-csv", "is not a directory");
        assertCleanError(run("analyze", "--model", notAModel.toString(), "--prompt", PROMPT, "--policy", "snapkv",
                "--out", dir.toString()), 2, "--out " + dir, "is a directory");
        assertCleanError(run("synth", "--shape", "tiny-llama", "--type", "q8_0", "--out", dir.toString()), 2,
                "--out " + dir, "is a directory");
        assertCleanError(run("analyze", "--model", notAModel.toString(), "--prompt", PROMPT, "--policy", "snapkv",
                "--out", ""), 2, "--out is empty; give a file name");
        String same = dir.resolve("same.out").toString();
        assertCleanError(run("sweep", "--model", notAModel.toString(), "--out-json", same, "--out-csv", same), 2,
                "--out-json and --out-csv name the same file");
    }

    /** As root a write to /proc/self/comm would rename this JVM: harmless, and it shows whether anything was written. */
    @Test
    void aKernelSettingIsRefusedAsAnOutputBeforeAnyWork() throws Exception {
        Path comm = Path.of("/proc/self/comm");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(comm), "no /proc here");
        String before = Files.readString(comm);
        assertCleanError(run("analyze", "--model", notAModel.toString(), "--prompt", PROMPT, "--policy", "snapkv",
                "--out", comm.toString()), 2, "--out /proc/self/comm: is a kernel setting on the proc file system");
        assertCleanError(run("sweep", "--model", notAModel.toString(), "--out-csv", comm.toString()), 2,
                "--out-csv /proc/self/comm: is a kernel setting");
        CliTest.Run synth = run("synth", "--shape", "tiny-llama", "--type", "q8_0", "--out", comm.toString());
        assertCleanError(synth, 2, "--out /proc/self/comm: is a kernel setting");
        assertTrue(synth.err().lines().findFirst().orElseThrow().endsWith("give a file elsewhere"), synth.err());
        assertEquals(before, Files.readString(comm), "the kernel file was written");
    }

    @Test
    void decodeCapNamesItsValidValues() {
        assertCleanError(run("sweep", "--model", tiny.toString(), "--decode-cap", "none,always"), 2, "--decode-cap",
                "'none' or 'budget'", "'always'");
        assertCleanError(run("needle", "--model", tiny.toString(), "--suite", "needle-stories-short", "--policy", "snapkv",
                "--decode-cap", "both"), 2, "--decode-cap", "'none' or 'budget'");
        assertCleanError(run("analyze", "--model", tiny.toString(), "--prompt", PROMPT, "--policy", "snapkv",
                "--decode-cap", "x"), 2, "--decode-cap");
        assertCleanError(run("needle", "--model", tiny.toString(), "--suite", "needle-stories-short", "--policy", "snapkv",
                "--replays", "3"), 2, "--replays needs --questions");
    }

    @Test
    void needleReportSaysItsDecodeCapAndTheCacheItHeld() throws Exception {
        var model = org.kvscope.model.SharedModels.find("stories260K.gguf");
        org.junit.jupiter.api.Assumptions.assumeTrue(model.isPresent(),
                org.kvscope.model.SharedModels.missingMessage("stories260K.gguf"));
        Path json = dir.resolve("needle-capped.json");
        Path csv = dir.resolve("needle-capped.csv");
        CliTest.Run r = run("needle", "--model", model.get().toString(), "--suite", "needle-stories-short", "--policy",
                "snapkv", "--budget", "16", "--templates", "1", "--decode-cap", "budget", "--out-json", json.toString(),
                "--out-csv", csv.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        var report = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.toFile());
        assertEquals("budget", report.get("decodeCap").asText());
        assertEquals(16, report.get("cacheOccupancy").get("peakHeadEntries").asInt());
        String[] lines = Files.readString(csv).split("\n");
        assertTrue(lines[0].endsWith("decode_cap,mean_entries_per_head,peak_entries_per_head,peak_bytes"), lines[0]);
        assertTrue(lines[1].contains(",budget,16.0000,16.0000,"), lines[1]);
    }

    @Test
    void needleWithOnlyACsvPrintsNoJson() throws Exception {
        var model = org.kvscope.model.SharedModels.find("stories260K.gguf");
        org.junit.jupiter.api.Assumptions.assumeTrue(model.isPresent(),
                org.kvscope.model.SharedModels.missingMessage("stories260K.gguf"));
        Path csv = dir.resolve("needle.csv");
        CliTest.Run r = run("needle", "--model", model.get().toString(), "--suite", "needle-stories-short", "--policy", "snapkv",
                "--budget", "16", "--templates", "1", "--out-csv", csv.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.out(), "stdout must stay empty when a report file is given");
        assertTrue(Files.readString(csv).startsWith("length,depth,template"));
    }

    /**
     * A text file that exists but cannot be read exited 1 with "error: Input/output error" (no option, no file);
     * like a missing one it is a usage error naming the option, the file and why, on one line.
     */
    @Test
    void aTextFileThatCannotBeReadIsAUsageErrorNamingTheOptionFileAndReason() throws Exception {
        Path locked = Files.writeString(dir.resolve("locked.txt"), "the dog saw the cat.");
        Files.setPosixFilePermissions(locked, java.nio.file.attribute.PosixFilePermissions.fromString("---------"));
        Path unreadable = locked;
        String reason = "permission denied";
        if (Files.isReadable(locked)) { // root reads it anyway; /proc/self/mem is a regular file no read of offset 0 gets
            unreadable = Path.of("/proc/self/mem");
            reason = "Input/output error";
            org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(unreadable), "no unreadable file to test with");
        }
        Path missing = dir.resolve("missing.txt");
        for (String command : new String[] {"perplexity", "analyze", "score-agreement"}) {
            for (Path f : new Path[] {unreadable, missing}) {
                String[] args = {command, "--model", tiny.toString(), "--text-file", f.toString(), "--policy", "snapkv"};
                CliTest.Run r = run(command.equals("perplexity") ? java.util.Arrays.copyOf(args, 5)
                        : command.equals("score-agreement") ? DeviceOptionTest.with(java.util.Arrays.copyOf(args, 5),
                        "--policies", "snapkv,h2o") : args);
                String expected = f == missing ? "--text-file file not found: " + f
                        : "--text-file " + f + " cannot be read: " + reason;
                assertCleanError(r, 2, "kvscope " + command + ": " + expected + "\n");
                assertEquals(2, r.err().lines().count(), "the error line and the pointer to help: " + r.err());
            }
        }
    }

    @Test
    void aTextFileThatIsNotUtf8NamesTheFileTheOffsetAndTheFix() throws Exception {
        Path latin1 = Files.write(dir.resolve("latin1.txt"), new byte[] {'c', 'a', 'f', (byte) 0xE9, ' ', 'x'});
        for (String[] args : new String[][] {
                {"perplexity", "--model", tiny.toString(), "--text-file", latin1.toString()},
                {"analyze", "--model", tiny.toString(), "--text-file", latin1.toString(), "--policy", "snapkv"}}) {
            assertCleanError(run(args), 2, latin1.toString(), "not UTF-8", "0xE9", "byte offset 3", "iconv");
        }
    }

    /** A byte order mark was scored as three extra tokens, CR LF line ends as extra CR tokens; an empty file ran. */
    @Test
    void aTextFileScoresItsTextWhateverItsByteOrderMarkOrLineEnds() throws Exception {
        String text = "the dog saw the cat.\nthe cat saw the dog.\n";
        Path plain = Files.writeString(dir.resolve("plain-lf.txt"), text);
        Path marked = Files.writeString(dir.resolve("bom.txt"), "\uFEFF" + text);
        Path windows = Files.writeString(dir.resolve("crlf.txt"), text.replace("\n", "\r\n"));
        String expected = run("perplexity", "--model", tiny.toString(), "--text-file", plain.toString(), "--quiet").out();
        assertTrue(expected.contains("perplexity: "), expected);
        for (Path p : new Path[] {marked, windows}) {
            assertEquals(expected, run("perplexity", "--model", tiny.toString(), "--text-file", p.toString(), "--quiet")
                    .out(), p.getFileName().toString());
        }
        for (String blank : new String[] {"", " \n\t \r\n", "\uFEFF"}) {
            Path f = Files.writeString(dir.resolve("blank.txt"), blank);
            String[] perplexity = {"perplexity", "--model", notAModel.toString(), "--text-file", f.toString()};
            for (String[] args : new String[][] {perplexity, DeviceOptionTest.with(perplexity, "--policy", "snapkv")}) {
                args[0] = args.length > 5 ? "analyze" : args[0];
                assertCleanError(run(args), 2, "--text-file " + f + " holds no text (it is empty or only white space)");
            }
        }
    }

    @Test
    void aBudgetRatioTooSmallForThePolicysWindowNamesThePrompt() {
        assertCleanError(run("analyze", "--model", tiny.toString(), "--prompt", PROMPT, "--policy", "snapkv",
                "--budget-ratio", "0.1"), 2, "--budget-ratio 0.1 gives a budget of", "the prompt before its --continuation",
                "'window' must be smaller than 'budget'", "give a larger --budget-ratio or a longer prompt");
        CliTest.Run fits = run("analyze", "--model", tiny.toString(), "--prompt", PROMPT.repeat(3), "--policy", "snapkv",
                "--budget-ratio", "0.5", "--decode-steps", "2", "--quiet");
        assertEquals(0, fits.code(), fits.err());
        var stories = org.kvscope.model.SharedModels.find("stories260K.gguf"); // the needle suite's tokenizer
        org.junit.jupiter.api.Assumptions.assumeTrue(stories.isPresent(),
                org.kvscope.model.SharedModels.missingMessage("stories260K.gguf"));
        for (String questions : new String[] {"0", "2"}) {
            String[] needle = {"needle", "--model", stories.get().toString(), "--suite", "needle-stories-short", "--policy",
                "h2o", "--budget-ratio", "0.01", "--quiet"};
            assertCleanError(run(questions.equals("0") ? needle : DeviceOptionTest.with(needle, "--questions", questions)),
                    2, "--budget-ratio 0.01 gives a budget of", questions.equals("0") ? "the suite's shortest prompt"
                            : "the shortest replay's context");
        }
    }

    /** A repeated option once silently kept the last value ({@code --prompt a --prompt b} generated from b). */
    @Test
    void anOptionGivenTwiceIsAUsageError() {
        assertCleanError(run("generate", "--model", notAModel.toString(), "--prompt", "a", "--prompt", "b"), 2,
                "option --prompt is given twice");
        assertCleanError(run("sweep", "--model", notAModel.toString(), "--quiet", "--quiet"), 2, "--quiet is given twice");
        assertCleanError(run("generate", "--model", notAModel.toString(), "--prompt", "a", "-n", "1", "--n=2"), 2,
                "option -n is given twice");
    }

    /** Messages spell an option as the user types it: generate's {@code -n}, not {@code --n}. */
    @Test
    void aOneLetterOptionIsNamedWithOneDash() {
        CliTest.Run r = run("generate", "--model", notAModel.toString(), "--prompt", "a", "-n", "-1");
        assertCleanError(r, 2, "-n must be in 0..1000000, was -1");
        assertTrue(!r.err().contains("--n"), r.err());
        assertCleanError(run("generate", "--model", notAModel.toString(), "--prompt", "a", "--frob"), 2,
                "unknown option --frob; valid: ", " -n,");
    }

    /** A parameter out of range is refused with the range help prints for it, e.g. snapkv's budget 2..1048576 (not 1..). */
    @Test
    void aParameterOutOfRangeNamesTheRangeHelpPrints() {
        String help = run("help", "analyze").out();
        int checked = 0;
        for (var e : org.kvscope.kv.PolicyRegistry.entries()) {
            if (e.parameters().stream().noneMatch(s -> s.name().equals("budget"))) {
                continue;
            }
            CliTest.Run r = run("analyze", "--model", notAModel.toString(), "--prompt", "x", "--policy", e.name(),
                    "--budget", "0");
            assertCleanError(r, 2, "parameter 'budget' must be ");
            String range = r.err().split("must be ", 2)[1].split(", was 0")[0];
            String section = help.substring(help.indexOf("  " + e.name() + " — "));
            String entry = section.lines().filter(l -> l.strip().startsWith("--budget ")).findFirst().orElseThrow();
            assertTrue(entry.contains("(" + range + ", default"), e.name() + ": the message says " + range + ", help: " + entry);
            checked++;
        }
        assertTrue(checked >= 10, "policies with a budget: " + checked);
    }

    /** {@code suites --foo} said "unknown option --foo; valid: " with nothing after it. */
    @Test
    void aCommandWithoutOptionsSaysSo() {
        assertCleanError(run("suites", "--foo"), 2, "suites: takes no options, got --foo");
    }

    @Test
    void outOfRangeValuesAreUsageErrorsWhicheverSideTheyFallOn() {
        for (String topP : new String[] {"0", "2", "-1"}) {
            assertCleanError(run("generate", "--model", tiny.toString(), "--prompt", "x", "--temperature", "1",
                    "--top-p", topP), 2, "--top-p", "(0, 1]");
        }
    }

    /** The message once said "must be 1..N", a least value no policy's help states (snapkv's is above its window). */
    @Test
    void aBudgetAboveTheContextIsRefusedBeforeTheRunAndHelpSaysSo() throws Exception {
        int context;
        try (var m = org.kvscope.model.ModelLoader.load(tiny)) {
            context = m.config().contextLength();
        }
        for (String policy : new String[] {"h2o", "snapkv", "streamingllm"}) {
            assertCleanError(run("analyze", "--model", tiny.toString(), "--prompt", PROMPT, "--policy", policy,
                    "--budget", "1048576"), 2, "'budget' must be at most " + context + " (the model's context length), was 1048576");
        }
        assertTrue(run("help", "analyze").out().contains("at most the model's context length"));
    }

    @Test
    void aWindowLongerThanThePromptSaysThePromptIsTheCause() {
        assertCleanError(run("analyze", "--model", tiny.toString(), "--prompt", "the dog", "--policy", "snapkv",
                "--budget", "128", "--window", "100"), 2, "'window' is 100", "the prompt has", "tokens");
    }

    @Test
    void aPromptCutByMaxTokensSaysSo() {
        assertCleanError(run("analyze", "--model", tiny.toString(), "--prompt", PROMPT, "--policy", "snapkv",
                "--budget", "16", "--window", "7", "--max-tokens", "6"), 2, "'window' is 7 but the prompt has 6 tokens"
                + " (--max-tokens 6)");
    }

    @Test
    void aDefaultWindowIsShortenedToAShortPromptAndThatIsSaid() {
        CliTest.Run r = run("analyze", "--model", tiny.toString(), "--prompt", "Hi", "--policy", "snapkv");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("note: --window") && r.err().contains("the prompt has"), r.err());
    }

    @Test
    void layerWeightsForTheWrongNumberOfLayersAreRefusedWhateverThePromptLength() {
        for (String prompt : new String[] {"the dog", PROMPT.repeat(6)}) {
            assertCleanError(run("analyze", "--model", tiny.toString(), "--prompt", prompt, "--policy", "pyramidkv",
                    "--budget", "16", "--window", "2", "--schedule", "custom", "--layer-weights", "1,2,3"), 2,
                    "'layer-weights' has 3 entries", "2 layers");
        }
    }

    /** "1,2," was read as "1,2": a stray comma, leading, doubled or trailing, is an error, not dropped. */
    @Test
    void anEmptyLayerWeightIsRefusedNotDropped() {
        for (String weights : new String[] {"1,2,", ",1,2", "1,,2", "1, ,2"}) {
            assertCleanError(run("analyze", "--model", tiny.toString(), "--prompt", PROMPT, "--policy", "pyramidkv",
                    "--budget", "16", "--window", "2", "--schedule", "custom", "--layer-weights", weights), 2,
                    "parameter 'layer-weights' has an empty item (a comma too many) in '" + weights + "'",
                    "give comma-separated integers in 1..");
        }
    }

    @Test
    void aContinuationLongerThanThePromptSaysThePromptIsTheCause() {
        assertCleanError(run("analyze", "--model", tiny.toString(), "--prompt", "the dog saw", "--policy", "fullkv",
                "--continuation", "500"), 2, "--continuation", "the prompt has");
    }

    /**
     * needle --questions: help said 1..64 while the suite has fewer templates with distinct questions, and
     * the error came only after the model was read. The limit is the suite's, said before the model (a file
     * that is not GGUF here) and printed by help.
     */
    @Test
    void needleQuestionsAboveTheSuitesLimitAreRefusedBeforeTheModelWithTheRangeHelpStates() {
        String suite = "needle-stories-short";
        int most = org.kvscope.app.eval.MultiQuestionRun.questionTemplates(org.kvscope.prompts.Suites.byId(suite)).size();
        assertTrue(most > 1 && most < 64, "the suite's limit: " + most);
        assertCleanError(run("needle", "--model", notAModel.toString(), "--suite", suite, "--questions",
                String.valueOf(most + 1)), 2, "--questions must be in 1.." + most + " (suite " + suite + " has " + most
                + " templates with distinct questions), was " + (most + 1));
        assertCleanError(run("needle", "--model", notAModel.toString(), "--suite", suite, "--questions",
                String.valueOf(most)), 1, "not a GGUF file");
        String help = run("help", "needle").out();
        assertTrue(help.contains("--questions M    1..the suite's templates with distinct questions (")
                && help.contains(suite + " " + most), help);
    }

    /** bench-policies took a --budget above --tokens (nothing to compress); refused before the model is read. */
    @Test
    void benchPoliciesBudgetAboveThePromptIsRefusedBeforeTheModel() throws Exception {
        assertCleanError(run("bench-policies", "--model", notAModel.toString(), "--tokens", "64", "--budget", "65",
                "--policies", "knorm"), 2, "--budget 65 is more than the prompt's 64 tokens (--tokens 64); give at most 64");
        assertCleanError(run("bench-policies", "--model", notAModel.toString(), "--tokens", "64", "--budget", "64",
                "--policies", "knorm"), 1, "not a GGUF file");
        // the default --tokens is known once the model is read: half tiny-llama's context
        int half;
        try (var m = org.kvscope.model.ModelLoader.load(tiny)) {
            half = m.config().contextLength() / 2;
        }
        assertCleanError(run("bench-policies", "--model", tiny.toString(), "--budget", String.valueOf(half + 1),
                "--policies", "knorm", "--repeat", "0"), 2, "--budget " + (half + 1) + " is more than the prompt's " + half
                + " tokens (the default --tokens");
        assertCleanError(run("bench-policies", "--model", notAModel.toString(), "--policies", "knorm,,h2o"), 2,
                "--policies has an empty entry");
    }

    /** bench-policies --policies fullkv timed FullKV against itself; with other policies it is left out, said in a note. */
    @Test
    void benchPoliciesRefusesFullKvAloneAndLeavesItOutOfAList() {
        assertCleanError(run("bench-policies", "--model", notAModel.toString(), "--policies", "fullkv"), 2,
                "kvscope bench-policies: --policies fullkv: FullKV is the baseline each policy is timed against, not one"
                        + " to compare; name the policies to time against it");
        CliTest.Run r = run("bench-policies", "--model", notAModel.toString(), "--policies", "fullkv,knorm");
        assertCleanError(r, 1, "not a GGUF file");
        assertTrue(r.err().contains("note: fullkv left out of --policies: it is the baseline of every pair"), r.err());
    }

    /**
     * A corrupt name length quotes the bytes it swallowed escaped once: the command's error line escaped
     * the quoted excerpt again and showed {@code \\x00} for a NUL.
     */
    @Test
    void aCorruptNameLengthsExcerptIsEscapedOnce() throws Exception {
        byte[] b = Files.readAllBytes(tiny);
        java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(24, b.length / 2); // first key's length
        Path corrupt = Files.write(dir.resolve("corrupt-name-length.gguf"), b);
        CliTest.Run r = run("inspect", "--model", corrupt.toString());
        assertCleanError(r, 1, "metadata key '", "characters)");
        assertTrue(r.err().contains("\\x00") && !r.err().contains("\\\\"), r.err());
        assertTrue(r.err().chars().allMatch(c -> c == '\n' || c >= 0x20 && c != 0x7f), r.err());
    }

    /** A blank --prompt ran (h2o on three spaces exited 0) while a text file without text is refused; an empty --model said "not a regular file: ". */
    @Test
    void aBlankPromptOrModelNameIsAUsageError() {
        for (String blank : new String[] {"", "   ", "\n\t"}) {
            assertCleanError(run("analyze", "--model", notAModel.toString(), "--prompt", blank, "--policy", "h2o"), 2,
                    "--prompt holds no text (it is empty or only white space)");
            assertCleanError(run("score-agreement", "--model", notAModel.toString(), "--prompt", blank), 2,
                    "--prompt holds no text");
        }
        assertCleanError(run("analyze", "--model", "", "--prompt", PROMPT, "--policy", "h2o"), 2,
                "--model is empty; give a file name");
    }

    /** bench-policies --budget with only policies without one (fullkv) changed nothing and ran. */
    @Test
    void benchPoliciesBudgetWithoutABudgetedPolicyIsAUsageError() {
        assertCleanError(run("bench-policies", "--model", notAModel.toString(), "--policies", "fullkv", "--budget", "16"), 2,
                "--budget applies to policies with a budget, and none of fullkv has one");
        assertCleanError(run("bench-policies", "--model", notAModel.toString(), "--policies", "fullkv,knorm", "--budget",
                "16"), 1, "not a GGUF file");
    }
}
