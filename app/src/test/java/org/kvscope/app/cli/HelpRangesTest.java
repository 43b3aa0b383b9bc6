package org.kvscope.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kvscope.app.cli.CliTest.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.kv.PolicyRegistry;

/**
 * The ranges help prints are the ranges accepted (issue 16 item 8): for every numeric option of
 * every command and policy, read from the help text itself, the edge values pass validation (the
 * run goes on to read the model, here a file that is not GGUF: exit 1) and the values just outside
 * are a usage error (exit 2) whose first line names the option, on a real model.
 */
class HelpRangesTest {
    private static final Pattern OPTION = Pattern.compile("^\\s+(--[a-z][a-z-]*|-n)\\b\\s*(.*)$");
    private static final Pattern POLICY = Pattern.compile("^  ([a-z][a-z0-9-]*) — ");
    private static final Pattern REAL_RANGE = Pattern.compile("([\\[(])(-?\\d+(?:\\.\\d+)?), (-?\\d+(?:\\.\\d+)?)]");
    private static final Pattern INT_RANGE = Pattern.compile("(?<![\\w.])(-?\\d+)\\.\\.(\\d+\\b|[a-z])");
    private static final Pattern MORE_THAN = Pattern.compile("more than ((?:--[a-z-]+(?: and )?)+)");
    private static final String PROMPT = "the dog saw the cat and the cat saw the dog ";

    @TempDir
    static Path dir;
    static Path tiny;
    static Path notAModel;
    static Path text;

    /** One option's printed range; {@code hi} is null when the model or the prompt sets the upper end. */
    record Range(String command, String policy, String option, boolean integer, boolean loIncluded, double lo,
                 Double hi, List<String> lessThanIt) {
        @Override
        public String toString() {
            return command + (policy == null ? "" : " --policy " + policy) + " " + option + " "
                    + (integer ? fmt(lo) + ".." + (hi == null ? "?" : fmt(hi))
                    : (loIncluded ? "[" : "(") + fmt(lo) + ", " + fmt(hi) + "]");
        }
    }

    @BeforeAll
    static void synthesize() throws Exception {
        tiny = dir.resolve("tiny.gguf");
        CliTest.Run r = run("synth", "--shape", "tiny-llama", "--type", "q8_0", "--out", tiny.toString());
        assertEquals(0, r.code(), r.err());
        notAModel = Files.writeString(dir.resolve("not-a-model.gguf"), "no model here");
        text = Files.writeString(dir.resolve("text.txt"), PROMPT.repeat(4));
    }

    @Test
    void everyPrintedRangeIsTheAcceptedRange() {
        List<Range> ranges = new ArrayList<>();
        for (Command c : Cli.standard().commands()) {
            if (!DesktopCommands.ALL.contains(c)) { // Main runs those: benchUiPrintsTheRangesItAccepts
                ranges.addAll(ranges(c.name(), run("help", c.name()).out()));
            }
        }
        assertTrue(ranges.size() > 60, "too few ranges found in help: " + ranges);
        List<String> wrong = new ArrayList<>();
        for (Range r : ranges) {
            for (String v : accepted(r)) {
                CliTest.Run run = run(args(r, ranges, notAModel, v));
                if (run.code() != 1 || !run.err().contains("not a GGUF file")) {
                    wrong.add(r + ": " + v + " was refused: " + run.code() + " " + run.err().strip());
                }
            }
            for (String v : outside(r)) {
                CliTest.Run run = run(args(r, ranges, tiny, v));
                // a status line such as "device: CPU" may come first; the error is the one line after it
                List<String> errors = run.err().lines().filter(l -> l.startsWith("kvscope ")).toList();
                String first = errors.isEmpty() ? "" : errors.getFirst();
                String name = r.option().replaceFirst("^--?", "");
                boolean named = first.contains("--" + name) || first.contains("-" + name + " ")
                        || first.contains("'" + name + "'");
                if (run.code() != 2 || !named || errors.size() != 1 || run.err().contains("\tat ")) {
                    wrong.add(r + ": " + v + " gave " + run.code() + " " + run.err().strip());
                }
            }
        }
        assertEquals(List.of(), wrong, ranges.size() + " ranges checked");
    }

    /** bench-ui's ranges: edges pass (the run stops at the missing model), just outside is refused, before the toolkit starts. */
    @Test
    void benchUiPrintsTheRangesItAccepts() {
        List<Range> ranges = ranges("bench-ui", run("help", "bench-ui").out());
        assertEquals(List.of("--tokens", "--moves", "--tab"), ranges.stream().map(Range::option).toList());
        String missing = dir.resolve("missing.gguf").toString();
        for (Range r : ranges) {
            for (String v : accepted(r)) {
                String err = desktop("bench-ui", "--model", missing, r.option(), v);
                assertTrue(err.startsWith("kvscope bench-ui: --model " + missing + ": file not found"), r + " " + v + ": " + err);
            }
            for (String v : outside(r)) {
                String err = desktop("bench-ui", r.option(), v);
                assertTrue(err.startsWith("kvscope bench-ui: " + r.option() + " must be in "), r + " " + v + ": " + err);
            }
        }
        assertTrue(desktop("bench-ui", "--tab", "x\u001b[2J").contains("must be an integer in 0..5, was 'x\\x1B[2J'"));
    }

    /** Runs a desktop command that must stop at a usage error (exit 2): its first stderr line. */
    private static String desktop(String... argv) {
        var out = new java.io.ByteArrayOutputStream();
        var err = new java.io.ByteArrayOutputStream();
        int code = org.kvscope.app.ui.tools.UiCommands.run(argv, new java.io.PrintStream(out),
                new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
        String text = err.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(2, code, text);
        return text.lines().findFirst().orElse("");
    }

    @Test
    void theParserReadsEveryFormHelpUses() {
        List<Range> rs = ranges("x", """
                usage: kvscope x
                  -n N          tokens, 0..1000000 (default 64)
                  --top-p P     nucleus threshold in (0, 1] (default 0.95)
                  --context C   1..the model's context length
                policies and their parameters:
                  snapkv — observation window
                      --budget         entries (2..1048576; more than --window and --recent, at most the model's context length, default 64)
                      --window         observation window (1..1024; smaller than budget, default 8)
                      --layer-weights  custom (comma-separated integers in 1..1000000; one per layer)
                """);
        assertEquals(List.of(new Range("x", null, "-n", true, true, 0, 1e6, List.of()),
                new Range("x", null, "--top-p", false, false, 0, 1.0, List.of()),
                new Range("x", null, "--context", true, true, 1, null, List.of()),
                new Range("x", "snapkv", "--budget", true, true, 2, 1048576.0, List.of("--window", "--recent")),
                new Range("x", "snapkv", "--window", true, true, 1, 1024.0, List.of())), rs);
    }

    static List<Range> ranges(String command, String help) {
        List<Range> out = new ArrayList<>();
        String policy = null;
        String[] lines = help.split("\n");
        for (int i = 0; i < lines.length; i++) {
            Matcher p = POLICY.matcher(lines[i]);
            if (p.find() && help.substring(0, help.indexOf(lines[i])).contains("policies and their parameters:")) {
                policy = p.group(1);
                continue;
            }
            Matcher o = OPTION.matcher(lines[i]);
            if (!o.matches()) {
                continue;
            }
            int indent = lines[i].indexOf('-');
            StringBuilder desc = new StringBuilder(o.group(2));
            while (i + 1 < lines.length && !OPTION.matcher(lines[i + 1]).matches()
                    && lines[i + 1].length() - lines[i + 1].stripLeading().length() > indent) {
                desc.append(' ').append(lines[++i].strip());
            }
            if (desc.indexOf("comma-separated") >= 0) {
                continue; // lists: each entry has its own checks
            }
            Matcher more = MORE_THAN.matcher(desc);
            List<String> lessThanIt = more.find() ? List.of(more.group(1).split(" and ")) : List.of();
            Matcher real = REAL_RANGE.matcher(desc);
            Matcher integer = INT_RANGE.matcher(desc);
            if (real.find()) {
                out.add(new Range(command, policy, o.group(1), false, real.group(1).equals("["),
                        Double.parseDouble(real.group(2)), Double.parseDouble(real.group(3)), lessThanIt));
            } else if (integer.find()) {
                String hi = integer.group(2);
                out.add(new Range(command, policy, o.group(1), true, true, Double.parseDouble(integer.group(1)),
                        Character.isDigit(hi.charAt(0)) ? Double.valueOf(hi) : null, lessThanIt));
            }
        }
        return out;
    }

    private static List<String> accepted(Range r) {
        List<String> v = new ArrayList<>();
        if (r.integer()) {
            v.add(fmt(r.lo()));
            if (r.hi() != null) {
                v.add(fmt(r.hi()));
            }
        } else {
            v.add(r.loIncluded() ? fmt(r.lo()) : fmt(r.lo() + 0.001));
            v.add(fmt(r.hi()));
        }
        return v;
    }

    private static List<String> outside(Range r) {
        List<String> v = new ArrayList<>();
        if (r.integer()) {
            v.add(fmt(r.lo() - 1));
            if (r.hi() != null) {
                v.add(fmt(r.hi() + 1));
            }
        } else {
            v.add(r.loIncluded() ? fmt(r.lo() - 0.001) : fmt(r.lo()));
            v.add(fmt(r.hi() + 0.001));
        }
        return v;
    }

    /**
     * The command's required options, the option under test, and what its printed range presumes: a
     * budget above a window under test, and the windows a budget under test must exceed at their least.
     */
    private static String[] args(Range r, List<Range> all, Path model, String value) {
        String policy = r.policy() == null ? "snapkv" : r.policy();
        List<String> a = new ArrayList<>(List.of(r.command(), "--model", model.toString()));
        switch (r.command()) {
            case "generate" -> a.addAll(List.of("--prompt", "the dog"));
            case "perplexity" -> a.addAll(List.of("--text-file", text.toString()));
            case "analyze" -> a.addAll(List.of("--prompt", PROMPT, "--policy", policy));
            case "needle" -> a.addAll(List.of("--suite", "needle-stories-short", "--policy", policy));
            // policies without an always-kept window by default, so that the least budget is the printed one
            case "score-agreement" -> a.addAll(List.of("--prompt", PROMPT, "--policies", "knorm,keydiff"));
            case "bench-policies" -> a.addAll(List.of("--policies", "knorm,keydiff"));
            default -> { }
        }
        if (r.option().equals("--replays")) {
            a.addAll(List.of("--questions", "2"));
        }
        if (r.command().equals("generate") && List.of("--top-k", "--top-p").contains(r.option())) {
            a.addAll(List.of("--temperature", "1")); // they apply only when sampling
        }
        if (r.policy() != null) { // a parameter that applies only with another's value (β: the pyramid schedule) gets it
            PolicyRegistry.entry(r.policy()).parameters().stream()
                    .filter(s -> r.option().equals("--" + s.name()) && s.shownWhen() != null).findFirst()
                    .ifPresent(s -> a.addAll(List.of("--" + s.shownWhen().parameter(), s.shownWhen().values().getFirst())));
        }
        for (Range other : all) {
            if (Objects.equals(other.command(), r.command()) && Objects.equals(other.policy(), r.policy())) {
                if (other.option().equals("--budget") && other.lessThanIt().contains(r.option())) {
                    a.addAll(List.of("--budget", fmt(other.hi())));
                }
                if (r.lessThanIt().contains(other.option())) {
                    a.addAll(List.of(other.option(), fmt(other.lo())));
                }
            }
        }
        a.add(r.option());
        a.add(value);
        return a.toArray(String[]::new);
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : String.format(Locale.ROOT, "%s", d);
    }

    /**
     * What a user or a fuzzer types for a number (an empty string, spaces, NaN, infinity, hex, a comma
     * decimal, an integer in exponent form): for every numeric option help prints, each is one usage line
     * naming the option (exit 2), never a stack trace, a run, or a range other than the printed one.
     */
    @Test
    void malformedNumbersAreOneLineUsageErrorsForEveryNumericOption() {
        List<Range> ranges = new ArrayList<>();
        for (Command c : Cli.standard().commands()) {
            if (!DesktopCommands.ALL.contains(c)) {
                ranges.addAll(ranges(c.name(), run("help", c.name()).out()));
            }
        }
        List<String> wrong = new ArrayList<>();
        for (Range r : ranges) {
            List<String> bad = new ArrayList<>(List.of("", " ", "NaN", "-Infinity", "Infinity", "0x10", "1,5", "1 2", "--"));
            if (r.integer()) {
                bad.addAll(List.of("1e3", "1.5", "99999999999999999999"));
            }
            for (String v : bad) {
                CliTest.Run run = run(args(r, ranges, tiny, v));
                List<String> errors = run.err().lines().filter(l -> l.startsWith("kvscope ")).toList();
                String first = errors.isEmpty() ? "" : errors.getFirst();
                String name = r.option().replaceFirst("^--?", "");
                boolean named = first.contains("-" + name + " ") || first.contains("'" + name + "'")
                        || first.contains("-" + name + ":");
                if (run.code() != 2 || !named || errors.size() != 1 || run.err().contains("\tat ")) {
                    wrong.add(r + ": '" + v + "' gave " + run.code() + " " + run.err().strip());
                }
            }
        }
        assertEquals(List.of(), wrong, ranges.size() + " ranges checked");
    }

    @Test
    void aValueJustOutsideIsNotSilentlyAccepted() {
        assertFalse(outside(new Range("x", null, "--x", true, true, 1, 63.0, List.of())).contains("63"));
    }
}
