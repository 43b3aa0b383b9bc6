package org.kvscope.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kvscope.app.cli.CliTest.assertCleanError;
import static org.kvscope.app.cli.CliTest.run;

import java.nio.file.Files;
import java.nio.file.Path;
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

    @Test
    void generatesUsageLineShowsTheDeviceOption() {
        String usage = run("help", "generate").out();
        String synopsis = usage.substring(0, usage.indexOf("\n  --"));
        assertTrue(synopsis.contains("[--device D]"), synopsis);
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
