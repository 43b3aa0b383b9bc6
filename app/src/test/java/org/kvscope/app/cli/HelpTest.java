package org.kvscope.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kvscope.app.cli.CliTest.assertCleanError;
import static org.kvscope.app.cli.CliTest.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.kvscope.app.ui.tools.UiCommands;
import org.kvscope.prompts.Suites;

/** Help lists every command Main runs, each command's help is its own, and the README's examples use files that exist. */
class HelpTest {
    @Test
    void topLevelHelpListsEveryCommandIncludingTheDesktopOnes() {
        String help = run("help").out();
        for (Command c : Cli.standard().commands()) {
            assertTrue(help.contains("  " + c.name() + " "), c.name() + " missing from:\n" + help);
        }
        for (String desktop : new String[] {"gui", "screenshots", "bench-ui", "suites"}) {
            assertTrue(help.contains("  " + desktop + " "), desktop + " missing from:\n" + help);
        }
    }

    @Test
    void theDesktopCommandsListedAreTheOnesMainRuns() {
        for (Command c : DesktopCommands.ALL) {
            assertTrue(c.name().equals("gui") || UiCommands.handles(c.name()), c.name());
        }
    }

    @Test
    void helpOfACommandPrintsThatCommandsUsage() {
        for (Command c : Cli.standard().commands()) {
            String out = run("help", c.name()).out();
            assertTrue(out.startsWith("usage: kvscope " + c.name()), c.name() + ":\n" + out);
        }
        assertTrue(run("help", "screenshots").out().contains("--out DIR"));
        assertCleanError(run("help", "frobnicate"), 2, "unknown command 'frobnicate'");
    }

    /** One command's help, split into its usage line(s) and its option entries (policy parameters left out). */
    private record CommandHelp(String name, String synopsis, String options) {
    }

    /** The help of every command, the workbench's included. */
    private List<CommandHelp> commandHelps() {
        List<String> names = new ArrayList<>(Cli.standard().commands().stream().map(Command::name).toList());
        names.addAll(List.of("gui", "screenshots", "bench-ui"));
        List<CommandHelp> out = new ArrayList<>();
        for (String name : names) {
            String help = run("help", name).out();
            int end = help.indexOf("\n  -");
            String synopsis = end < 0 ? help : help.substring(0, end);
            out.add(new CommandHelp(name, synopsis,
                    help.substring(synopsis.length()).split("policies and their parameters:")[0]));
        }
        return out;
    }

    /** Issue 16 item 10 found generate's usage line without --device; no command's synopsis may omit an option. */
    @Test
    void everyUsageLineShowsEveryOptionItsHelpDescribes() {
        Pattern described = Pattern.compile("(?m)^  (--?[a-z][a-z-]*)");
        for (CommandHelp h : commandHelps()) {
            String name = h.name(), synopsis = h.synopsis();
            Matcher m = described.matcher(h.options());
            while (m.find()) {
                assertTrue(Pattern.compile(Pattern.quote(m.group(1)) + "(?![a-z-])").matcher(synopsis).find(),
                        name + ": " + m.group(1) + " is described but missing from the usage line:\n" + synopsis);
            }
        }
        assertTrue(run("help", "generate").out().contains("[--device D]"));
    }

    /**
     * The other direction: every option of a usage line has its own entry below it, with its meaning and
     * range (analyze's help once listed --model, --prompt, --policy and --budget in its synopsis only).
     */
    @Test
    void everyOptionOfAUsageLineIsDescribed() {
        Pattern shown = Pattern.compile("(?<![\\w-])(--[a-z][a-z-]*|-n)(?![a-z-])");
        List<String> missing = new ArrayList<>();
        for (CommandHelp h : commandHelps()) {
            String name = h.name(), options = h.options();
            Matcher m = shown.matcher(h.synopsis());
            while (m.find()) {
                if (!Pattern.compile("(?m)^  " + Pattern.quote(m.group(1)) + "(?![a-z-])").matcher(options).find()) {
                    missing.add(name + " " + m.group(1));
                }
            }
        }
        assertEquals(List.of(), missing, "options in a usage line without an entry of their own");
    }

    /**
     * An option a usage line shows outside brackets is one the command refuses to run without, and only
     * those: needle's synopsis showed {@code --policy NAME} as required while it defaults to fullkv. Each
     * command runs with its required options (the first of a parenthesized choice) on a file that is not
     * a model, so it passes validation and stops at the model; without one of them it is a usage error naming it.
     */
    @Test
    void theOptionsAUsageLineShowsAsRequiredAreTheOnesRequired(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path notAModel = Files.writeString(dir.resolve("not-a-model.gguf"), "no model here");
        Path text = Files.writeString(dir.resolve("text.txt"), "the dog saw the cat ".repeat(8));
        Map<String, String> values = Map.of("--model", notAModel.toString(), "--prompt", "the dog", "--text-file",
                text.toString(), "--suite", "needle-stories-short", "--policy", "snapkv", "--shape", "tiny-llama",
                "--type", "q8_0", "--out", dir.resolve("out.gguf").toString());
        Pattern shown = Pattern.compile("(?<![\\w-])(--[a-z][a-z-]*)(?![a-z-])");
        List<String> wrong = new ArrayList<>();
        for (Command c : Cli.standard().commands()) {
            String synopsis = run("help", c.name()).out().split("\n  -", 2)[0];
            // brackets hold optional options; of a parenthesized choice the first is given
            String required = synopsis.replaceAll("\\[[^\\[\\]]*(\\[[^\\]]*\\][^\\[\\]]*)*\\]", "")
                    .replaceAll("\\(([^|)]*)\\|[^)]*\\)", "$1");
            List<String> options = new ArrayList<>();
            for (Matcher m = shown.matcher(required); m.find(); ) {
                options.add(m.group(1));
            }
            if (options.isEmpty()) {
                continue;
            }
            CliTest.Run all = run(argv(c.name(), options, null, values));
            if (all.code() == 2) { // stops at the model (1), or synth writes its file (0)
                wrong.add(c.name() + " with " + options + " only: " + all.code() + " " + all.err().strip());
            }
            for (String left : options) {
                CliTest.Run r = run(argv(c.name(), options, left, values));
                String first = r.err().lines().findFirst().orElse(""); // "missing required option", or "give exactly one of"
                if (r.code() != 2 || !Pattern.compile(Pattern.quote(left) + "(?![a-z-])").matcher(first).find()) {
                    wrong.add(c.name() + " without " + left + ": " + r.code() + " " + r.err().strip());
                }
            }
        }
        assertEquals(List.of(), wrong);
        assertTrue(run("help", "needle").out().contains("[--policy NAME]"));
    }

    private static String[] argv(String command, List<String> options, String left, Map<String, String> values) {
        List<String> a = new ArrayList<>(List.of(command));
        for (String o : options) {
            if (!o.equals(left)) {
                a.addAll(List.of(o, values.get(o)));
            }
        }
        return a.toArray(String[]::new);
    }

    /** Options (and {@code -n}) named in a usage line or a docs/CLI.md table cell. */
    private static java.util.Set<String> optionsIn(String text) {
        Matcher m = Pattern.compile("(?<![\\w-])(--[a-z][a-z-]*|-n)(?![a-z-])").matcher(text);
        java.util.Set<String> out = new java.util.TreeSet<>();
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /**
     * docs/CLI.md's command table and its paragraphs on --device, --cache-type and progress agree with
     * every command's help: each command has a row (the benchmarks share one), a row names exactly the
     * options of the command's usage line except those three, which the paragraphs list per command.
     */
    @Test
    void theCliDocAgreesWithEveryCommandsHelp() throws Exception {
        String doc = Files.readString(root().resolve("docs/CLI.md"));
        Map<String, String> rows = new java.util.LinkedHashMap<>();
        Matcher row = Pattern.compile("(?m)^\\| `([a-z-]+)([^|]*(?:\\\\\\|[^|]*)*)` \\|").matcher(doc);
        while (row.find()) {
            rows.putIfAbsent(row.group(1), row.group(2)); // the command table comes first; later tables list JSON fields
        }
        List<String> device = listAfter(doc, "works on every command that runs a model (");
        List<String> progress = listAfter(doc, "**Progress.** ");
        List<String> problems = new ArrayList<>();
        java.util.Set<String> general = java.util.Set.of("--device", "--cache-type", "--quiet");
        for (CommandHelp h : commandHelps()) {
            if (h.name().startsWith("bench")) {
                if (!rows.containsKey("bench")) {
                    problems.add("no row for the benchmarks");
                }
                continue;
            }
            java.util.Set<String> help = optionsIn(h.synopsis());
            if (!rows.containsKey(h.name())) {
                problems.add(h.name() + ": no row in the command table");
                continue;
            }
            java.util.Set<String> documented = optionsIn(rows.get(h.name()));
            for (String o : help) {
                if (!general.contains(o) && !documented.contains(o)) {
                    problems.add(h.name() + ": the table's row omits " + o);
                }
            }
            for (String o : documented) {
                if (!help.contains(o)) {
                    problems.add(h.name() + ": the table's row names " + o + ", which the command does not take");
                }
            }
            if (help.contains("--device") != device.contains(h.name())) {
                problems.add(h.name() + ": the --device paragraph's list " + device + " disagrees with its help");
            }
            if (help.contains("--quiet") != progress.contains(h.name())) {
                problems.add(h.name() + ": the progress paragraph's list " + progress + " disagrees with its help");
            }
        }
        assertEquals(List.of(), problems, "docs/CLI.md against the commands' help");
    }

    /** The command names (plain or in backticks) of the comma-separated list that follows {@code lead} in {@code doc}. */
    private static List<String> listAfter(String doc, String lead) {
        int at = doc.indexOf(lead);
        assertTrue(at >= 0, "docs/CLI.md no longer says '" + lead + "'");
        String rest = doc.substring(at + lead.length()).split("[):]", 2)[0];
        Matcher m = Pattern.compile("`?([a-z][a-z-]+)`?").matcher(rest);
        List<String> out = new ArrayList<>();
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static Path root() {
        Path root = Path.of("").toAbsolutePath();
        while (!Files.exists(root.resolve("README.md")) || !Files.exists(root.resolve("app"))) {
            root = root.getParent();
        }
        return root;
    }

    @Test
    void suitesListsEveryIdWithItsKindAndTitle() {
        CliTest.Run r = run("suites");
        assertEquals(0, r.code(), r.err());
        for (var s : Suites.all()) {
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith(s.id() + " ") && l.endsWith(s.title())), s.id());
        }
        assertEquals(Suites.all().size(), r.out().lines().count());
    }

    @Test
    void theReadmesTextFilesExist() throws Exception {
        Path root = Path.of("").toAbsolutePath();
        while (!Files.exists(root.resolve("README.md")) || !Files.exists(root.resolve("app"))) {
            root = root.getParent();
        }
        Matcher m = Pattern.compile("--text-file (\\S+)").matcher(Files.readString(root.resolve("README.md")));
        int found = 0;
        while (m.find()) {
            assertTrue(Files.isRegularFile(root.resolve(m.group(1))), "README names a missing file: " + m.group(1));
            found++;
        }
        assertTrue(found > 0, "the README's perplexity example names no --text-file");
    }
}
