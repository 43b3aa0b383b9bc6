package org.kvscope.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.model.SharedModels;

/**
 * Every {@code ./kvscope ...} command quoted in README.md and docs/CLI.md runs as written: the cheap
 * ones on stories260K for real (exit 0), the rest (placeholder models, sweeps, benchmarks) with a file
 * that is not a model, where exit 1 on reading it proves every option was accepted first (options are
 * validated before any model is read). Optional parts ({@code [--context 512]}) are given, the first
 * of alternatives ({@code table|csv|json}) chosen, and output files go to a temporary directory.
 */
class DocCommandsTest {
    private static final String SHARED = "../shared/models/stories260K.gguf";
    /** Commands cheap enough on stories260K to run in full here. */
    private static final Set<String> CHEAP = Set.of("generate", "perplexity", "analyze", "inspect", "heads",
            "needle", "score-agreement", "suites", "help");
    /** Commands that open or render the workbench: checked by UiCommandsTest and the screenshots, not here. */
    private static final Set<String> DESKTOP = Set.of("gui", "screenshots", "bench-ui");

    @TempDir
    Path dir;

    /** The quoted commands of one document: code-block lines and inline code, comments dropped, lines joined. */
    static List<String> quoted(String doc) {
        List<String> out = new ArrayList<>();
        boolean code = false;
        for (String line : doc.split("\n")) {
            if (line.startsWith("```")) {
                code = !code;
            } else if (code && line.startsWith("./kvscope")) {
                out.add(line.replaceFirst("\\s+#\\s.*$", "").strip());
            }
        }
        Matcher inline = Pattern.compile("(?<!`)`(\\./kvscope[^`]*)`").matcher(doc.replaceAll("(?s)```.*?```", ""));
        while (inline.find()) {
            out.add(inline.group(1).replaceAll("\\s+", " ").strip());
        }
        return out;
    }

    /** A quoted command as arguments: optional brackets given, first alternative taken, quotes removed. */
    static List<String> arguments(String command) {
        String s = command.replaceFirst("^\\./kvscope\\s*", "").replaceAll("\\[([^\\[\\]]*)\\]", "$1")
                .replaceAll("\\[([^\\[\\]]*)\\]", "$1").replaceAll("(\\w+)(?:\\|[\\w-]+)+", "$1");
        List<String> args = new ArrayList<>();
        Matcher m = Pattern.compile("\"([^\"]*)\"|(\\S+)").matcher(s);
        while (m.find()) {
            args.add(m.group(1) != null ? m.group(1) : m.group(2));
        }
        return args;
    }

    @Test
    void everyQuotedCommandRunsAsWritten() throws Exception {
        Path root = Path.of("").toAbsolutePath();
        while (!Files.exists(root.resolve("README.md")) || !Files.exists(root.resolve("app"))) {
            root = root.getParent();
        }
        Path notAModel = Files.writeString(dir.resolve("not-a-model.gguf"), "not a model");
        Path shared = SharedModels.find("stories260K.gguf").orElse(null);
        List<String> problems = new ArrayList<>();
        int ran = 0;
        for (String doc : List.of("README.md", "docs/CLI.md")) {
            for (String quoted : quoted(Files.readString(root.resolve(doc)))) {
                List<String> args = arguments(quoted);
                String command = args.isEmpty() ? "gui" : args.get(0);
                if (DESKTOP.contains(command)) {
                    continue;
                }
                if (command.equals("synth")) {
                    String help = CliTest.run("help", "synth").out();
                    for (String option : List.of("--shape", "--type")) {
                        String value = args.get(args.indexOf(option) + 1);
                        if (!help.contains(value)) {
                            problems.add(doc + ": " + quoted + ": " + option + " " + value + " is not in synth's help");
                        }
                    }
                    continue;
                }
                boolean real = CHEAP.contains(command) && (!args.contains("--model")
                        || args.get(args.indexOf("--model") + 1).equals(SHARED) && shared != null);
                List<String> run = new ArrayList<>();
                for (int i = 0; i < args.size(); i++) {
                    String a = args.get(i);
                    String previous = i == 0 ? "" : args.get(i - 1);
                    if (previous.equals("--model")) {
                        a = real ? shared.toString() : notAModel.toString();
                    } else if (previous.startsWith("--out")) {
                        a = dir.resolve(Path.of(a).getFileName()).toString();
                    } else if (previous.equals("--text-file")) {
                        a = root.resolve(a).toString();
                    } else if (a.equals("COMMAND")) {
                        a = "generate";
                    }
                    run.add(a);
                }
                CliTest.Run r = CliTest.run(run.toArray(String[]::new));
                ran++;
                boolean ok = real ? r.code() == 0
                        : r.code() == 1 && r.err().contains("not a GGUF file") || args.contains("cuda") && r.code() == 2
                                && r.err().contains("--device cuda");
                if (!ok || r.err().contains("\tat ")) {
                    problems.add(doc + ": " + quoted + " -> exit " + r.code() + ": " + r.err().lines().findFirst().orElse(""));
                }
            }
        }
        assertTrue(ran >= 12, "expected the README's and CLI.md's commands, ran " + ran);
        assertEquals(List.of(), problems, "quoted commands that do not run as written");
    }

    @Test
    void quotedCommandsAreReadAsAUserTypesThem() {
        assertEquals(List.of("./kvscope heads --model m [--format table|csv|json]", "./kvscope needle --model m --questions 4"),
                quoted("```\n./kvscope heads --model m [--format table|csv|json]   # note\n```\nExample: `./kvscope needle"
                        + " --model\nm --questions 4`."));
        assertEquals(List.of("heads", "--model", "m", "--format", "table", "--context", "512"),
                arguments("./kvscope heads --model m [--format table|csv|json] [--context 512]"));
        assertEquals(List.of("generate", "--prompt", "Once upon a time", "-n", "64"),
                arguments("./kvscope generate --prompt \"Once upon a time\" -n 64"));
    }
}
