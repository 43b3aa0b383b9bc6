package org.kvscope.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.app.cli.Cli;
import org.kvscope.kv.PolicyPlugins;
import org.kvscope.kv.PolicyRegistry;

/**
 * Policy plugins end to end, the way {@link Main} runs them: {@code --plugins DIR} loads the jars,
 * then a CLI command uses the plugin's policy. The example plugin (examples/policy-plugin) is
 * compiled from its sources here; broken plugins each get a one-line message naming their jar
 * while the built-in policies keep working.
 */
class PluginsTest {
    @TempDir
    static Path dir;
    static Path model;
    static final String PROMPT = "the dog saw the cat and the cat saw the dog ".repeat(4);

    record Run(int code, String out, String err) {}

    /** Main's order: plugins first, then the command. */
    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        int code = Cli.standard().run(PluginOption.apply(args, e), new PrintStream(out, true, StandardCharsets.UTF_8), e);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @BeforeAll
    static void synthesize() {
        model = dir.resolve("tiny.gguf");
        Run r = run("synth", "--shape", "tiny-llama", "--type", "q8_0", "--out", model.toString());
        assertEquals(0, r.code(), r.err());
    }

    @Test
    void theExamplePluginRunsInAnyCommand() throws Exception {
        Path example = Path.of("..", "examples", "policy-plugin", "src", "main");
        Map<String, String> sources = new LinkedHashMap<>();
        try (Stream<Path> files = Files.walk(example.resolve("java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                sources.put(example.resolve("java").relativize(f).toString(), Files.readString(f));
            }
        }
        Path classes = dir.resolve("example-classes");
        PluginJars.compile(sources, dir.resolve("example-src"), classes);
        Path plugins = dir.resolve("example-plugins");
        PluginJars.jar(plugins.resolve("policy-plugin.jar"), classes, "org/",
                Files.readString(example.resolve("resources").resolve(PluginJars.SERVICES)));

        Path report = dir.resolve("window-max.json");
        Run r = run("analyze", "--plugins", plugins.toString(), "--model", model.toString(), "--prompt", PROMPT,
                "--policy", "window-max", "--budget", "8", "--window", "4", "--out", report.toString());
        assertEquals(0, r.code(), r.err());
        assertFalse(r.err().contains("kvscope: plugin"), r.err());
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        assertEquals("window-max", json.at("/policy/name").asText());
        assertTrue(json.at("/kvMemory/ratio").asDouble() < 1.0, "the plugin's policy compressed the cache");
        assertEquals("policy-plugin.jar", PolicyRegistry.entry("window-max").origin());
        assertTrue(run("help", "needle").out().contains("window-max"), "plugin policies are listed in every command's help");
    }

    /** ~/.kvscope/plugins is loaded at every start, before the command runs (Main's order). */
    @Test
    void theUserPluginDirectoryIsLoadedAtStart() throws Exception {
        Path home = dir.resolve("home");
        Path user = home.resolve(".kvscope").resolve("plugins");
        Map<String, String> sources = new LinkedHashMap<>();
        sources.put("home", PluginJars.brokenPolicy("home", "from-home", "", "new int[] {0}", "return null;"));
        PluginJars.brokenJars(sources, dir.resolve("home-build"), user);
        String before = System.getProperty("user.home");
        try {
            System.setProperty("user.home", home.toString());
            assertEquals(user, PolicyPlugins.userDirectory());
            Run help = run("help", "analyze");
            assertEquals(0, help.code(), help.err());
            assertTrue(help.out().contains("from-home"), "the user directory's policy is offered: " + help.out());
        } finally {
            System.setProperty("user.home", before);
        }
        assertEquals("home.jar", PolicyRegistry.entry("from-home").origin());
        Run r = run("analyze", "--model", model.toString(), "--prompt", PROMPT, "--policy", "from-home", "--budget", "8");
        assertEquals(0, r.code(), r.err());
    }

    /** docs/PLUGINS.md's "a new policy in 50 lines" is the example's source file, services line included. */
    @Test
    void theGuidesPolicyIsTheExamplesSourceAndFitsInFiftyLines() throws Exception {
        String guide = Files.readString(Path.of("..", "docs", "PLUGINS.md"));
        Path example = Path.of("..", "examples", "policy-plugin", "src", "main");
        String source = Files.readString(example.resolve("java/org/example/kvplugin/WindowMaxPolicy.java"));
        String block = guide.substring(guide.indexOf("```java\n") + "```java\n".length());
        assertEquals(source, block.substring(0, block.indexOf("```\n")), "the guide's java block is WindowMaxPolicy.java");
        String services = Files.readString(example.resolve("resources").resolve(PluginJars.SERVICES)).strip();
        assertTrue(guide.contains("```\n" + services + "\n```"), "the guide shows the services line " + services);
        long code = source.lines().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("import ") && !l.startsWith("package ")
                        && !l.startsWith("/**") && !l.startsWith("*")).count();
        assertTrue(code <= 50, code + " lines of code");
        assertTrue(guide.contains(code + " lines without imports, comments and\nblank lines"), "the guide's count is " + code);
    }

    /** Main prints the message as one line and exits with 2; nothing is loaded before the check. */
    @Test
    void aPluginsOptionWithoutADirectoryIsOneClearLine() {
        for (String[] args : List.of(new String[] {"help", "--plugins"}, new String[] {"--plugins", "--quiet", "help"})) {
            var e = assertThrows(IllegalArgumentException.class,
                    () -> PluginOption.apply(args, System.err));
            assertEquals("--plugins needs a directory of plugin jars", e.getMessage());
        }
        var blank = assertThrows(IllegalArgumentException.class,
                () -> PluginOption.apply(new String[] {"--plugins=", "help"}, System.err));
        assertEquals("--plugins needs a directory of plugin jars, was ''", blank.getMessage(), "'' is not the working directory");
    }

    /**
     * A plugin directory the user typed that is not there is a usage error (exit 2 in Main), as a missing
     * --model file is, in both forms and before any jar is loaded: it only warned and went on.
     */
    @Test
    void aMissingOrNonDirectoryPluginsPathIsAUsageError() throws Exception {
        Path none = dir.resolve("no-plugins-here");
        Path file = Files.writeString(dir.resolve("plugins-file.txt"), "not a directory");
        for (String[] args : List.of(new String[] {"--plugins=" + none, "help"}, new String[] {"suites", "--plugins", none.toString()},
                new String[] {"gui", "--plugins", file.toString()})) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            var e = assertThrows(IllegalArgumentException.class,
                    () -> PluginOption.apply(args, new PrintStream(err, true, StandardCharsets.UTF_8)), List.of(args).toString());
            Path named = args[args.length - 1].equals("help") ? none : Path.of(args[args.length - 1]);
            assertEquals("--plugins " + named + ": " + (named.equals(file) ? "not a directory" : "no such directory")
                    + "; give the directory that holds the plugin jars", e.getMessage());
            assertEquals("", err.toString(StandardCharsets.UTF_8), "nothing loaded or printed before the check");
        }
        Path empty = Files.createDirectories(dir.resolve("empty-plugins"));
        Files.writeString(empty.resolve("readme.txt"), "no jar here");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(List.of("help"), List.of(PluginOption.apply(new String[] {"--plugins=" + empty, "help"},
                new PrintStream(err, true, StandardCharsets.UTF_8))), "an existing directory, even empty, is taken off the arguments");
        assertEquals("kvscope: note: plugin directory " + empty + " holds no *.jar file; no plugin loaded from it\n",
                err.toString(StandardCharsets.UTF_8), "a directory without jars was passed over in silence");
    }

    @Test
    void brokenPluginsAreNamedAndTheRestKeepsWorking() throws Exception {
        Map<String, String> broken = new LinkedHashMap<>();
        broken.put("ctor", policy("ctor", "ctor-throws", "throw new RuntimeException(\"boom in constructor\");", "all(n)"));
        broken.put("range", policy("range", "out-of-range", "", "new int[] {0, n + 5}"));
        broken.put("unsorted", policy("unsorted", "unsorted", "", "new int[] {3, 1}"));
        broken.put("dups", policy("dups", "duplicates", "", "new int[] {2, 2}"));
        broken.put("budget", policy("budget", "over-budget", "", "all(n)"));
        broken.put("thrower", policy("thrower", "select-throws", "", "scores(null)"));
        broken.put("gone", policy("gone", "missing-class", "", PluginJars.GONE));
        broken.put("taken", policy("taken", "snapkv", "", "all(n)"));
        broken.put("decodethrows", PluginJars.brokenPolicy("decodethrows", "decode-throws", "", "new int[] {0, n - 1}",
                "throw new IllegalStateException(\"boom while decoding\");"));
        broken.put("decodestale", PluginJars.brokenPolicy("decodestale", "decode-stale", "", "new int[] {0, n - 1}",
                "return keep(ctx, ctx.position() + 7);"));
        Path plugins = dir.resolve("broken-plugins");
        PluginJars.brokenJars(broken, dir.resolve("broken"), plugins);
        Path classes = dir.resolve("broken").resolve("classes");
        PluginJars.jar(plugins.resolve("missing.jar"), classes, "nothing/", "org.broken.Missing\n");
        Files.writeString(plugins.resolve("notajar.jar"), "not a zip file");

        Run help = run("help", "analyze", "--plugins", plugins.toString());
        assertTrue(help.err().contains("plugin missing.jar") && help.err().contains("org.broken.Missing"), help.err());
        assertTrue(help.err().contains("plugin taken.jar: policy 'snapkv' is already provided by kvscope"), help.err());
        assertTrue(help.err().contains("plugin notajar.jar: not a jar (zip) file"), help.err());
        assertEquals(3, help.err().lines().count(), "one line per broken jar: " + help.err());

        assertFails("ctor-throws", 1, "policy 'ctor-throws' (plugin ctor.jar) failed in its constructor", "boom");
        assertFails("out-of-range", 1, "(plugin range.jar) kept position", "outside 0..");
        assertFails("unsorted", 1, "(plugin unsorted.jar)", "not strictly increasing");
        assertFails("duplicates", 1, "(plugin dups.jar)", "not strictly increasing");
        assertFails("over-budget", 1, "(plugin budget.jar)", "more than its budget");
        assertFails("select-throws", 1, "(plugin thrower.jar) failed in selectAfterPrefill", "NullPointerException");
        assertFails("missing-class", 1, "(plugin gone.jar) failed in selectAfterPrefill", "ClassNotFoundException: org.gone.Gone");
        // analyze teacher-forces the prompt's last quarter with the policy deciding at every step
        assertFails("decode-throws", 1, "policy 'decode-throws' (plugin decodethrows.jar) failed in onDecodeStep",
                "boom while decoding");
        assertFails("decode-stale", 1, "policy 'decode-stale' (plugin decodestale.jar) kept position", "outside 0..");

        Run ok = run("analyze", "--model", model.toString(), "--prompt", PROMPT, "--policy", "snapkv", "--budget", "8",
                "--window", "4");
        assertEquals(0, ok.code(), ok.err());

        // a sweep over every registered policy skips each broken plugin with one line naming it; the rest run
        Path sweep = dir.resolve("sweep.json");
        Run all = run("sweep", "--model", model.toString(), "--budgets", "16", "--texts", "1", "--needle-suite", "none",
                "--decode-steps", "2", "--quiet", "--out-json", sweep.toString());
        assertEquals(0, all.code(), all.err());
        JsonNode report = new ObjectMapper().readTree(sweep.toFile());
        java.util.Set<String> ran = new java.util.HashSet<>();
        report.get("rows").forEach(row -> ran.add(row.get("policy").asText()));
        for (PolicyRegistry.Entry e : PolicyRegistry.entries()) {
            if (!e.isPlugin()) {
                assertTrue(ran.contains(e.name()), "built-in " + e.name() + " ran: " + ran);
            }
        }
        for (String bad : List.of("ctor-throws", "out-of-range", "unsorted", "duplicates", "over-budget",
                "select-throws", "missing-class", "decode-throws", "decode-stale")) {
            assertFalse(ran.contains(bad), bad);
            String jar = PolicyRegistry.entry(bad).origin();
            assertEquals(1, all.err().lines().filter(l -> l.startsWith("kvscope sweep: " + bad + "{budget=16}")
                    && l.contains("skipped: ") && l.contains("(plugin " + jar + ")")).count(), all.err());
            assertTrue(report.get("skipped").toString().contains("(plugin " + jar + ")"), "the report names " + jar);
        }
        Run named = run("sweep", "--model", model.toString(), "--policies", "snapkv,out-of-range", "--budgets", "16",
                "--texts", "1", "--needle-suite", "none", "--decode-steps", "2", "--quiet");
        assertEquals(1, named.code(), "a plugin asked for by name still stops the sweep: " + named.err());
        assertTrue(named.err().contains("(plugin range.jar)"), named.err());
        assertEquals(PolicyRegistry.BUILT_IN, PolicyRegistry.entry("snapkv").origin(), "a plugin cannot take a built-in's name");
    }

    private static void assertFails(String policy, int code, String... fragments) {
        Run r = run("analyze", "--model", model.toString(), "--prompt", PROMPT, "--policy", policy, "--budget", "8");
        assertEquals(code, r.code(), r.err());
        for (String f : fragments) {
            assertTrue(r.err().contains(f), "expected '" + f + "' in: " + r.err());
        }
        assertEquals(1, r.err().lines().filter(l -> l.contains("error")).count(), "one error line: " + r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    /** A plugin policy whose constructor runs {@code ctor} and whose kept set per head is {@code kept}. */
    private static String policy(String id, String name, String ctor, String kept) {
        return PluginJars.brokenPolicy(id, name, ctor, kept, "return null;");
    }
}
