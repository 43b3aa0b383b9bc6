package org.kvscope.app.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kvscope.app.cli.SweepCommand;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.prompts.Suites;

/**
 * The setup of docs/RESULTS.md (its commands and the paragraphs that describe model, suites, budgets
 * and policies) says what the data says: every command is the command that wrote the files it names,
 * and every number in a setup paragraph is one of the paragraph's claims ({@link ResultsDocTest#check}),
 * so a re-run with another setup fails here until the prose follows it.
 */
class ResultsSetupTest {
    /** Measurements of the machine and clock a run took, which no data file records (durations, clock times, load). */
    private static final Pattern MACHINE = Pattern.compile("\\d{1,2}:\\d{2}|\\d+ min\\s+\\d+ s|load averages\\s+between\\s+\\d+\\s+and\\s+\\d+|\\d+-core");
    /** A number of the prose: not part of a name such as Q8_0, stories260K, Llama-2 or L2. */
    private static final Pattern NUMBER = Pattern.compile(
            "(?<![\\p{L}\\d_.,]|\\p{L}-)\\d{1,3}(?:,\\d{3})+(?:\\.\\d+)?(?![\\p{L}\\d_])"
                    + "|(?<![\\p{L}\\d_.,]|\\p{L}-)\\d+(?:\\.\\d+)?(?![\\p{L}\\d_])");
    /** A number of a claim, also in a comma-separated list (claims write 573440, not 573,440). */
    private static final Pattern CLAIM_NUMBER = Pattern.compile("(?<![\\p{L}\\d_.])\\d+(?:\\.\\d+)?(?![\\p{L}\\d_])");

    @BeforeAll
    static void read() throws IOException {
        ResultsDocTest.read();
    }

    /** One command of the doc: its subcommand and options (flag to value). */
    record DocCommand(String line, String command, Map<String, String> options) {
        String option(String name, String fallback) {
            return options.getOrDefault(name, fallback);
        }
    }

    /** Every {@code ./kvscope sweep|analyze} command of the doc, in code blocks (with continuation lines) or inline. */
    static List<DocCommand> commands(String text) {
        String joined = text.replaceAll("\\s*\\\\\\n\\s*", " ");
        Matcher m = Pattern.compile("\\./kvscope (sweep|analyze)((?: --?[a-z][a-z0-9-]*(?: [^\\s`-][^\\s`]*)?)+)")
                .matcher(joined);
        List<DocCommand> out = new ArrayList<>();
        while (m.find()) {
            Map<String, String> options = new LinkedHashMap<>();
            Matcher o = Pattern.compile("--([a-z][a-z0-9-]*)(?: ([^\\s-][^\\s]*))?").matcher(m.group(2));
            while (o.find()) {
                assertTrue(options.put(o.group(1), o.group(2) == null ? "" : o.group(2)) == null,
                        "option given twice: " + m.group());
            }
            out.add(new DocCommand(m.group(), m.group(1), options));
        }
        return out;
    }

    /** Every sweep and analyze result file in docs/results is written by exactly one command of the doc. */
    @Test
    void everyResultFileIsTheOutputOfOneCommand() throws IOException {
        List<String> named = commands(ResultsDocTest.doc).stream()
                .flatMap(c -> Stream.of(c.options().get("out-json"), c.options().get("out-csv"), c.options().get("out")))
                .filter(f -> f != null).map(f -> f.replace("docs/results/", "")).toList();
        assertEquals(named.size(), named.stream().distinct().count(), "two commands write the same file: " + named);
        try (var files = Files.list(ResultsDocTest.results)) {
            List<String> data = files.map(p -> p.getFileName().toString())
                    .filter(f -> f.startsWith("sweep-") || f.startsWith("analyze-")).sorted().toList();
            assertEquals(data, named.stream().sorted().toList(), "result files against the commands that write them");
        }
    }

    @Test
    void everySweepCommandIsTheSetupOfItsFiles() throws IOException {
        List<DocCommand> sweeps = commands(ResultsDocTest.doc).stream().filter(c -> c.command().equals("sweep")).toList();
        assertTrue(sweeps.size() >= 5, "expected the five sweeps, found " + sweeps.size());
        String usage = new SweepCommand().usage();
        for (DocCommand c : sweeps) {
            List<String> problems = sweepProblems(c, usage);
            assertEquals(List.of(), problems, c.line());
        }
    }

    private static List<String> sweepProblems(DocCommand c, String usage) throws IOException {
        String jsonFile = c.options().get("out-json").replace("docs/results/", "");
        String csvFile = c.options().get("out-csv").replace("docs/results/", "");
        JsonNode json = ResultsDocTest.json(jsonFile);
        List<Map<String, String>> csv = ResultsDocTest.csv(csvFile);
        List<String> problems = new ArrayList<>();
        expect(problems, "--model", c.options().get("model"), json.at("/model/file").asText());
        expect(problems, "--cache-type", c.option("cache-type", "f32"), json.at("/cacheType").asText());
        String ppl = c.option("perplexity-suite", ResultsDocTest.defaultOf(usage, "perplexity-suite"));
        String needle = c.option("needle-suite", ResultsDocTest.defaultOf(usage, "needle-suite"));
        expect(problems, "--perplexity-suite", ppl, json.at("/perplexitySuite").asText());
        expect(problems, "--needle-suite", needle, json.at("/needleSuite").asText());
        List<String> texts = Suites.byId(ppl).texts();
        int textCount = c.options().containsKey("texts") ? Integer.parseInt(c.options().get("texts")) : texts.size();
        List<String> ids = new ArrayList<>();
        json.at("/texts").forEach(t -> ids.add(t.get("id").asText()));
        expect(problems, "the texts of " + ppl, texts.subList(0, textCount).toString(), ids.toString());
        var needleSuite = Suites.byId(needle);
        int templates = Integer.parseInt(c.option("needle-templates", ResultsDocTest.defaultOf(usage, "needle-templates")));
        expect(problems, "--needle-templates " + templates, Integer.toString(
                needleSuite.contextLengths().size() * needleSuite.depths().size() * templates), json.at("/needleCases").asText());
        List<String> budgets = List.of(c.option("budgets", ResultsDocTest.defaultOf(usage, "budgets")).split(","));
        expect(problems, "--budgets", budgets.toString(), distinct(csv, "budget", r -> !r.get("budget").equals("0")).toString());
        List<String> policies = c.options().containsKey("policies") ? List.of(c.options().get("policies").split(","))
                : PolicyRegistry.entries().stream().filter(e -> !e.isPlugin()).map(PolicyRegistry.Entry::name).toList();
        expect(problems, "--policies", policies.toString(), distinct(csv, "policy", r -> true).toString());
        List<String> schedules = c.options().containsKey("schedules") ? List.of(c.options().get("schedules").split(","))
                : List.of("-");
        expect(problems, "--schedules", schedules.toString(), distinct(csv, "schedule", r -> true).toString());
        List<String> caps = List.of(c.option("decode-cap", ResultsDocTest.defaultOf(usage, "decode-cap")).split(","));
        expect(problems, "--decode-cap", caps.toString(), distinct(csv, "decode_cap", r -> !r.get("budget").equals("0")).toString());
        List<String> jsonRows = new ArrayList<>();
        json.at("/rows").forEach(r -> jsonRows.add(r.get("policy").asText() + " " + r.get("schedule").asText() + " "
                + r.get("budget").asText() + " " + r.get("decodeCap").asText()));
        expect(problems, "the JSON's rows against the CSV's", jsonRows.toString(), csv.stream().map(r -> r.get("policy") + " "
                + r.get("schedule") + " " + r.get("budget") + " " + r.get("decode_cap")).toList().toString());
        return problems;
    }

    @Test
    void everyAnalyzeCommandIsTheSetupOfItsReport() throws IOException {
        List<DocCommand> analyses = commands(ResultsDocTest.doc).stream().filter(c -> c.command().equals("analyze")).toList();
        assertTrue(analyses.size() >= 2, "expected the two funnelling analyses, found " + analyses.size());
        for (DocCommand c : analyses) {
            JsonNode json = ResultsDocTest.json(c.options().get("out").replace("docs/results/", ""));
            List<String> problems = new ArrayList<>();
            expect(problems, "--model", c.options().get("model"), json.at("/model/file").asText());
            expect(problems, "--policy", c.options().get("policy"), json.at("/policy/name").asText());
            for (var e : c.options().entrySet()) {
                JsonNode value = json.at("/policy/parameters/" + e.getKey());
                if (!value.isMissingNode()) {
                    expect(problems, "--" + e.getKey(), e.getValue(), value.isNumber() && value.asDouble() == Math.rint(value.asDouble())
                            ? Long.toString(value.asLong()) : value.asText());
                }
            }
            int maxTokens = Integer.parseInt(c.options().get("max-tokens"));
            if (json.at("/prompt/tokens").asInt() > maxTokens) {
                problems.add("--max-tokens " + maxTokens + ": the report's prompt has " + json.at("/prompt/tokens"));
            }
            assertEquals(List.of(), problems, c.line());
        }
    }

    /** Each setup paragraph (every prose paragraph or bullet that is not an observation) with numbers carries them as claims. */
    @Test
    void everyNumberOfTheSetupIsAClaim() {
        List<String> problems = new ArrayList<>();
        List<SetupParagraph> setup = setupParagraphs(ResultsDocTest.doc);
        assertTrue(setup.size() >= 10, "expected the setup paragraphs, found " + setup.size());
        for (SetupParagraph p : setup) {
            List<String> missing = uncovered(p);
            if (!missing.isEmpty()) {
                problems.add(missing + " in: " + p.text().lines().findFirst().orElse(""));
            }
        }
        assertEquals(List.of(), problems, "numbers of docs/RESULTS.md's setup that no claim of their paragraph checks");
    }

    @Test
    void aNumberWithoutAClaimIsCaught() {
        SetupParagraph p = new SetupParagraph("Per layer, averaged over the 8 heads and all 480 prompt queries, 2 min 3 s.",
                "x.json /prompt/tokens: = 480");
        assertEquals(List.of("8"), uncovered(p));
        assertEquals(List.of(), uncovered(new SetupParagraph("Q8_0 on stories260K, Llama-2, a 573,440-byte cache.",
                "x.csv kv_full_bytes: all = 573440")));
        List<DocCommand> c = commands("```\n./kvscope sweep --model m.gguf --budgets 16,32 \\\n  --out-json a.json --quiet\n```");
        assertEquals(Map.of("model", "m.gguf", "budgets", "16,32", "out-json", "a.json", "quiet", ""), c.get(0).options());
    }

    /** A setup paragraph and the claims that follow it (empty when none). */
    record SetupParagraph(String text, String claims) {
    }

    private static List<String> uncovered(SetupParagraph p) {
        List<Double> claimed = new ArrayList<>();
        Matcher c = CLAIM_NUMBER.matcher(p.claims());
        while (c.find()) {
            claimed.add(Double.parseDouble(c.group().replace(",", "")));
        }
        String prose = MACHINE.matcher(p.text()).replaceAll(" ")
                .replaceAll("`[^`]*`", " ")          // code: options and commands, checked against their files above
                .replaceAll("\\]\\([^)]*\\)", "]")  // link targets
                .replaceAll("\"[^\"]*\"", " ");      // quoted labels and template text
        List<String> missing = new ArrayList<>();
        Matcher n = NUMBER.matcher(prose);
        while (n.find()) {
            double v = Double.parseDouble(n.group().replace(",", ""));
            if (claimed.stream().noneMatch(x -> x == v)) {
                missing.add(n.group());
            }
        }
        return missing;
    }

    /**
     * The prose of the doc outside code blocks, tables, headings and observations (the bullets after
     * "What we observe:" up to the next heading, and the paragraph after the schedule table), split
     * into paragraphs and top-level bullets, each with the claims comment that ends it.
     */
    static List<SetupParagraph> setupParagraphs(String doc) {
        List<SetupParagraph> out = new ArrayList<>();
        boolean code = false, observations = false, claims = false;
        StringBuilder text = new StringBuilder(), claimText = new StringBuilder();
        for (String line : (doc + "\n\n").split("\n")) {
            String s = line.strip();
            if (s.startsWith("```")) {
                code = !code;
                continue;
            }
            if (code) {
                continue;
            }
            if (claims) {
                if (s.equals("-->")) {
                    claims = false;
                } else {
                    claimText.append(s).append('\n');
                }
                continue;
            }
            if (s.startsWith("<!-- claims")) {
                claims = true;
                continue;
            }
            boolean boundary = s.isEmpty() || s.startsWith("#") || s.startsWith("|") || line.startsWith("- ");
            if (boundary) {
                if (!text.isEmpty() && !observations && !text.toString().startsWith("A uniform budget")) {
                    out.add(new SetupParagraph(text.toString().strip(), claimText.toString()));
                }
                text.setLength(0);
                claimText.setLength(0);
            }
            if (s.startsWith("#")) {
                observations = false;
            } else if (s.equals("What we observe:")) {
                observations = true;
            } else if (!s.isEmpty() && !s.startsWith("|")) {
                text.append(s.startsWith("- ") ? s.substring(2) : s).append('\n');
            }
        }
        return out;
    }

    private static void expect(List<String> problems, String what, String doc, String data) {
        if (!doc.equals(data)) {
            problems.add(what + ": the doc says " + doc + ", the data " + data);
        }
    }

    /** The distinct values of a CSV column, in order of first appearance, over the rows {@code keep} accepts. */
    private static List<String> distinct(List<Map<String, String>> csv, String column,
                                         java.util.function.Predicate<Map<String, String>> keep) {
        return csv.stream().filter(keep).map(r -> r.get(column)).distinct().toList();
    }
}
