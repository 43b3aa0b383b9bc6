package org.kvscope.app.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kvscope.app.cli.Cli;
import org.kvscope.kv.BudgetParameters;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.prompts.SampleTexts;

/**
 * docs/RESULTS.md says only what its data says: every table cell equals the CSV or JSON it comes
 * from, and every observation carries machine-checkable claims ({@code <!-- claims ... -->}) that
 * are evaluated here against the same files.
 */
class ResultsDocTest {
    static Path results;
    static String doc;

    @BeforeAll
    static void read() throws IOException {
        Path root = Path.of("").toAbsolutePath();
        while (!Files.exists(root.resolve("docs/RESULTS.md"))) {
            root = root.getParent();
        }
        results = root.resolve("docs/results");
        doc = Files.readString(root.resolve("docs/RESULTS.md"));
    }

    @Test
    void theSweepTableIsTheSweepCsv() throws IOException {
        List<Map<String, String>> csv = csv("sweep-stories260k.csv");
        List<List<String>> table = table("| policy | budget | perplexity |");
        assertEquals(csv.size(), table.size(), "one table row per CSV row");
        for (int i = 0; i < csv.size(); i++) {
            Map<String, String> r = csv.get(i);
            List<String> expected = List.of(r.get("policy"), r.get("budget").equals("0") ? "all" : r.get("budget"),
                    fmt("%.3f", r, "perplexity"), fmt("%+.3f", r, "delta_perplexity"), fmt("%.3f", r, "needle_accuracy"),
                    fmt("%.3f", r, "mean_recall"), bytes(r, "kv_kept_bytes"), fmt("%.1f", r, "cont_mean_entries_per_head"),
                    fmt("%.1f", r, "cont_peak_entries_per_head"), bytes(r, "cont_mean_bytes"), bytes(r, "cont_peak_bytes"));
            assertEquals(expected, table.get(i), "row " + (i + 1));
        }
        assertTrue(csv.stream().allMatch(r -> r.get("decode_cap").equals("none")), "one mode per CSV: no row is capped");
    }

    /** Every sweep CSV in docs/results names its decode-cap mode and cache type on every row (f32 unless the file says). */
    @Test
    void everySweepRowNamesItsModeAndCacheType() throws IOException {
        try (var files = Files.list(results)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("sweep-")
                    && p.toString().endsWith(".csv")).toList()) {
                String name = f.getFileName().toString();
                String type = name.contains("-q8_0-") ? "q8_0" : name.contains("-q4_0-") ? "q4_0" : "f32";
                for (Map<String, String> r : csv(name)) {
                    assertTrue(List.of("none", "budget").contains(r.get("decode_cap")), name + ": " + r);
                    assertEquals(type, r.get("cache_type"), name + ": " + r);
                }
            }
        }
    }

    @Test
    void theMatchedMemoryTableIsTheCappedSweepCsv() throws IOException {
        List<Map<String, String>> csv = csv("sweep-capped-stories260k.csv");
        List<List<String>> table = table("| policy at matched memory | budget |");
        assertEquals(csv.size(), table.size(), "one table row per CSV row");
        for (int i = 0; i < csv.size(); i++) {
            Map<String, String> r = csv.get(i);
            List<String> expected = List.of(r.get("policy"), r.get("budget").equals("0") ? "all" : r.get("budget"),
                    fmt("%.3f", r, "perplexity"), fmt("%+.3f", r, "delta_perplexity"), fmt("%.3f", r, "needle_accuracy"),
                    fmt("%.3f", r, "mean_recall"), fmt("%.1f", r, "cont_mean_entries_per_head"),
                    fmt("%.1f", r, "cont_peak_entries_per_head"),
                    String.format(Locale.ROOT, "%.1f%%", 100 * num(r, "kv_ratio")));
            assertEquals(expected, table.get(i), "row " + (i + 1));
        }
        assertTrue(csv.stream().allMatch(r -> r.get("decode_cap").equals("budget") || r.get("budget").equals("0")),
                "one mode per CSV: every row with a budget is capped");
    }

    /**
     * Issue 15: every built-in policy at matched memory. Each one with a budget has a row at every
     * budget of the capped sweep, held there over the whole continuation (peak entries per head at
     * most the budget); the others (FullKV) one row.
     */
    @Test
    void everyBuiltInPolicyIsInTheMatchedMemoryTable() throws IOException {
        List<Map<String, String>> csv = csv("sweep-capped-stories260k.csv");
        List<String> budgets = csv.stream().map(r -> r.get("budget")).filter(b -> !b.equals("0")).distinct().toList();
        assertTrue(budgets.size() >= 2, budgets.toString());
        for (PolicyRegistry.Entry e : PolicyRegistry.entries()) {
            if (e.isPlugin()) {
                continue;
            }
            boolean hasBudget = e.parameters().stream().anyMatch(s -> s.name().equals(BudgetParameters.BUDGET));
            for (String b : hasBudget ? budgets : List.of("0")) {
                Map<String, String> r = csv.stream().filter(c -> c.get("policy").equals(e.name()) && c.get("budget").equals(b))
                        .findFirst().orElseThrow(() -> new AssertionError(e.name() + " has no row at budget " + b));
                if (hasBudget) {
                    assertEquals("budget", r.get("decode_cap"), e.name() + " " + b);
                    assertTrue(num(r, "cont_peak_entries_per_head") <= Integer.parseInt(b), e.name() + " " + b + ": " + r);
                }
            }
        }
    }

    @Test
    void theScheduleTableIsTheSchedulesCsv() throws IOException {
        List<Map<String, String>> csv = csv("sweep-schedules-stories260k.csv");
        List<List<String>> table = table("| selection | schedule | budget |");
        assertEquals(csv.size(), table.size());
        for (List<String> row : table) {
            String schedule = row.get(1).split(" ")[0];
            Map<String, String> r = csv.stream().filter(c -> c.get("policy").equals(row.get(0))
                    && c.get("schedule").equals(schedule) && c.get("budget").equals(row.get(2))).findFirst()
                    .orElseThrow(() -> new AssertionError("no CSV row for " + row));
            assertEquals(List.of(fmt("%+.3f", r, "delta_perplexity"), fmt("%.3f", r, "needle_accuracy"),
                    fmt("%.3f", r, "mean_recall")), row.subList(3, 6), row.toString());
        }
    }

    @Test
    void theFunnellingTableIsTheAnalyzeJson() throws IOException {
        JsonNode json = new ObjectMapper().readTree(results.resolve("analyze-perplexity-stories-pyramidkv64.json").toFile());
        List<List<String>> table = table("| layer | attention entropy (nats) |");
        JsonNode layers = json.at("/funnelling/layers");
        assertEquals(layers.size(), table.size());
        for (int l = 0; l < layers.size(); l++) {
            JsonNode layer = layers.get(l);
            double[] profile = doubles(layer.get("distanceProfile"));
            assertEquals(List.of(Integer.toString(l), String.format(Locale.ROOT, "%.2f", layer.get("entropy").asDouble()),
                    String.format(Locale.ROOT, "%.1f", layer.get("positionsFor90").asDouble()),
                    percent(layer.get("sinkMass").asDouble()), percent(sum(profile, 1, 3)),
                    percent(sum(profile, 5, profile.length)),
                    String.format(Locale.ROOT, "%.3f", json.at("/pvcOverlap/perLayer/" + l).asDouble())), table.get(l),
                    "layer " + l);
        }
    }

    /** Each observation (a bullet under "What we observe", or the paragraph after the schedule table) carries claims. */
    @Test
    void everyObservationCarriesClaims() {
        List<String> observations = new ArrayList<>();
        String[] sections = doc.split("What we observe:");
        for (int i = 1; i < sections.length; i++) {
            String[] bullets = sections[i].split("\n#")[0].split("\n- ");
            observations.addAll(Arrays.asList(bullets).subList(1, bullets.length));
        }
        int paragraph = doc.indexOf("A uniform budget");
        assertTrue(paragraph > 0, "the paragraph after the schedule table is gone");
        observations.add(doc.substring(paragraph).split("\n#")[0]);
        assertTrue(observations.size() >= 8, "expected the observations of three sections, found " + observations.size());
        List<String> unchecked = observations.stream().filter(o -> !o.contains("<!-- claims"))
                .map(o -> o.lines().findFirst().orElse("")).toList();
        assertEquals(List.of(), unchecked, "observations without <!-- claims --> in docs/RESULTS.md");
    }

    @Test
    void everyClaimHoldsInTheData() throws IOException {
        Matcher m = Pattern.compile("<!-- claims\\s*\\n(.*?)-->", Pattern.DOTALL).matcher(doc);
        int claims = 0;
        List<String> failures = new ArrayList<>();
        while (m.find()) {
            for (String line : m.group(1).strip().split("\n")) {
                claims++;
                String problem = check(line.strip());
                if (problem != null) {
                    failures.add(line.strip() + "  ->  " + problem);
                }
            }
        }
        assertTrue(claims >= 20, "expected the observations' claims, found " + claims);
        assertEquals(List.of(), failures, "claims in docs/RESULTS.md that the data contradicts");
    }

    @Test
    void aWrongClaimIsCaught() throws IOException {
        // the sentence the issue found: StreamingLLM is above PyramidKV at 64 and 128
        assertTrue(check("sweep-stories260k.csv mean_recall: pyramidkv > streamingllm at 16,32,64,128") != null);
        assertTrue(check("sweep-stories260k.csv mean_recall: snapkv at 16 = 0.788") != null);
        assertEquals(null, check("sweep-stories260k.csv mean_recall: snapkv at 16 = 0.787"));
        assertTrue(check("sweep-stories260k.csv cont_peak_entries_per_head: snapkv,streamingllm = 1 * budget") != null);
        assertEquals(null, check("sweep-stories260k.csv cont_peak_entries_per_head: snapkv = 1 * budget + 63"));
        assertTrue(check("sweep-stories260k.csv perplexity: same as sweep-capped-stories260k.csv") != null);
    }

    // ---- the claim language -------------------------------------------------------------------

    /**
     * One claim: {@code FILE SERIES: ASSERTION}; returns null when it holds, else what the data says.
     * CSV series are columns, keyed by policy (or schedule when the rows differ only in it) and budget:
     * {@code K highest|lowest at B,..}, {@code K >|<|= K2,.. at B,..}, {@code rises with budget for K,..},
     * {@code K at B,.. = V} (V as rounded in the text), {@code all = V}, {@code all within [A, B]},
     * {@code [K,..] = N * budget [+ C]} (every row with a budget, or only K's), {@code [K,..] same as OTHER.csv}
     * (every policy, or K's, and budget in both files).
     * JSON series are pointers with one {@code *} over an array, optionally summing a slice
     * ({@code /a/*\/b[1:3]}): {@code argmax = I}, {@code argmin = I}, {@code at I = V}, {@code within [A, B]},
     * {@code all = V}, {@code sum = V}; a pointer without {@code *} is a scalar ({@link #checkScalar}).
     * Files may also be sample-prompts resources ({@link #json}); {@code policy:NAME PARAMETER: = V} is a
     * built-in policy's default, {@code help:COMMAND OPTION: = V} the default a command's help states, and
     * {@code constant:CLASS FIELD: = V} a public numeric constant.
     */
    static String check(String claim) throws IOException {
        int colon = claim.indexOf(": ");
        String[] head = claim.substring(0, colon).split(" ", 2);
        String assertion = claim.substring(colon + 2).strip();
        Matcher same = Pattern.compile("(?:(\\S+) )?same as (\\S+\\.csv)").matcher(assertion);
        if (same.matches()) {
            return sameColumn(csv(head[0]), csv(same.group(2)), head[1],
                    same.group(1) == null ? null : List.of(same.group(1).split(",")));
        }
        if (head[0].startsWith("policy:")) {
            return checkPolicyDefault(head[0].substring("policy:".length()), head[1], assertion);
        }
        if (head[0].startsWith("help:")) {
            String usage = Cli.standard().commands().stream().filter(c -> c.name().equals(head[0].substring(5)))
                    .findFirst().orElseThrow(() -> new AssertionError("no command " + head[0])).usage();
            return assertion.equals("= " + defaultOf(usage, head[1])) ? null : "the help says " + defaultOf(usage, head[1]);
        }
        if (head[0].startsWith("constant:")) {
            try {
                double v = ((Number) Class.forName(head[0].substring(9)).getField(head[1]).get(null)).doubleValue();
                return rounded(v, assertion.substring(2));
            } catch (ReflectiveOperationException e) {
                throw new AssertionError("no constant " + head[0] + "." + head[1], e);
            }
        }
        return head[0].endsWith(".csv") ? checkCsv(csv(head[0]), head[1], assertion)
                : checkJson(json(head[0]), head[1], assertion);
    }

    /** The default a command's help states for an option: the text after "default" in its entry. */
    static String defaultOf(String usage, String option) {
        Matcher m = Pattern.compile("(?m)^\\s+--" + Pattern.quote(option) + " .*?default (?:: )?([^);\\s]+)",
                Pattern.DOTALL).matcher(usage);
        assertTrue(m.find(), "the help states no default for --" + option);
        return m.group(1);
    }

    /**
     * A data file of docs/results, or a bundled sample-prompts resource: {@code suite:ID} is
     * {@code suites/ID.json}, {@code prompts:PATH} any other resource (e.g. {@code prompts:needles/templates.json}).
     */
    static JsonNode json(String file) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        if (file.startsWith("suite:")) {
            return mapper.readTree(SampleTexts.read("suites/" + file.substring("suite:".length()) + ".json"));
        }
        if (file.startsWith("prompts:")) {
            return mapper.readTree(SampleTexts.read(file.substring("prompts:".length())));
        }
        return mapper.readTree(results.resolve(file).toFile());
    }

    /** {@code policy:NAME PARAMETER: = V}: the built-in policy's default value of that parameter. */
    private static String checkPolicyDefault(String policy, String parameter, String assertion) {
        Matcher m = Pattern.compile("= (.+)").matcher(assertion);
        if (!m.matches()) {
            return "not a default claim";
        }
        Object def = PolicyRegistry.entry(policy).parameters().stream().filter(s -> s.name().equals(parameter))
                .findFirst().orElseThrow(() -> new AssertionError(policy + " has no parameter " + parameter)).defaultValue();
        return def instanceof Number n ? rounded(n.doubleValue(), m.group(1))
                : def.toString().equals(m.group(1)) ? null : "the default is " + def;
    }

    private static String checkCsv(List<Map<String, String>> rows, String column, String assertion) {
        Map<String, Map<Integer, Double>> byKey = new LinkedHashMap<>();
        boolean bySchedule = rows.stream().map(r -> r.get("policy")).distinct().count() == 1;
        for (Map<String, String> r : rows) {
            String key = bySchedule ? r.get("schedule") : r.get("policy");
            byKey.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(Integer.parseInt(r.get("budget")), num(r, column));
        }
        Matcher m;
        if ((m = Pattern.compile("(\\S+) (highest|lowest) at (\\S+)").matcher(assertion)).matches()) {
            for (int b : ints(m.group(3))) {
                double v = value(byKey, m.group(1), b);
                for (var e : byKey.entrySet()) {
                    Double o = e.getValue().get(b);
                    if (!e.getKey().equals(m.group(1)) && o != null && (m.group(2).equals("highest") ? o >= v : o <= v)) {
                        return e.getKey() + " has " + o + " against " + v + " at " + b;
                    }
                }
            }
            return null;
        }
        if ((m = Pattern.compile("(\\S+) ([<>=]) (\\S+) at (\\S+)").matcher(assertion)).matches()) {
            for (int b : ints(m.group(4))) {
                for (String left : m.group(1).split(",")) {
                    String problem = compare(byKey, left, m.group(2), m.group(3), b);
                    if (problem != null) {
                        return problem;
                    }
                }
            }
            return null;
        }
        if ((m = Pattern.compile("rises with budget for (\\S+)").matcher(assertion)).matches()) {
            for (String k : m.group(1).split(",")) {
                double[] v = byKey.get(k).entrySet().stream().sorted(Map.Entry.comparingByKey())
                        .mapToDouble(Map.Entry::getValue).toArray();
                for (int i = 1; i < v.length; i++) {
                    if (!(v[i] > v[i - 1])) {
                        return k + ": " + Arrays.toString(v);
                    }
                }
            }
            return null;
        }
        if ((m = Pattern.compile("(\\S+) at (\\S+) = (\\S+)").matcher(assertion)).matches()) {
            for (int b : ints(m.group(2))) {
                String p = rounded(value(byKey, m.group(1), b), m.group(3));
                if (p != null) {
                    return m.group(1) + " at " + b + ": " + p;
                }
            }
            return null;
        }
        if ((m = Pattern.compile("all within \\[(\\S+), (\\S+)\\]").matcher(assertion)).matches()) {
            double lo = Double.parseDouble(m.group(1)), hi = Double.parseDouble(m.group(2));
            for (Map<String, String> r : rows) {
                if (num(r, column) < lo || num(r, column) > hi) {
                    return r.get("policy") + " " + r.get("budget") + ": " + num(r, column);
                }
            }
            return null;
        }
        if ((m = Pattern.compile("all = (\\S+)").matcher(assertion)).matches()) {
            for (Map<String, String> r : rows) {
                String p = rounded(num(r, column), m.group(1));
                if (p != null) {
                    return r.get("policy") + " " + r.get("budget") + ": " + p;
                }
            }
            return null;
        }
        if ((m = Pattern.compile("(?:(\\S+) )?= (\\S+) \\* budget(?: \\+ (\\S+))?").matcher(assertion)).matches()) {
            List<String> keys = m.group(1) == null ? null : List.of(m.group(1).split(","));
            double per = Double.parseDouble(m.group(2));
            double plus = m.group(3) == null ? 0 : Double.parseDouble(m.group(3));
            for (Map<String, String> r : rows) {
                int b = Integer.parseInt(r.get("budget"));
                String key = bySchedule ? r.get("schedule") : r.get("policy");
                if (b > 0 && (keys == null || keys.contains(key)) && num(r, column) != per * b + plus) {
                    return key + " " + b + ": " + num(r, column);
                }
            }
            return null;
        }
        return "not a claim this test understands";
    }

    /** Null when every (policy, budget) of both files (of {@code policies}, unless null) has the same value in {@code column}. */
    private static String sameColumn(List<Map<String, String>> a, List<Map<String, String>> b, String column,
                                     List<String> policies) {
        Map<String, Double> other = new LinkedHashMap<>();
        b.forEach(r -> other.put(r.get("policy") + " " + r.get("budget"), num(r, column)));
        int shared = 0;
        for (Map<String, String> r : a) {
            Double o = other.get(r.get("policy") + " " + r.get("budget"));
            if (o != null && (policies == null || policies.contains(r.get("policy")))) {
                shared++;
                if (o != num(r, column)) {
                    return r.get("policy") + " " + r.get("budget") + ": " + num(r, column) + " against " + o;
                }
            }
        }
        return shared == 0 ? "no (policy, budget) in both files" : null;
    }

    /** {@code left OP each of others} at budget b; a key with one row (FullKV) counts at every budget. */
    private static String compare(Map<String, Map<Integer, Double>> byKey, String left, String op, String others, int b) {
        double v = value(byKey, left, b);
        for (String other : others.split(",")) {
            double o = value(byKey, other, b);
            boolean holds = switch (op) {
                case ">" -> v > o;
                case "<" -> v < o;
                default -> v == o;
            };
            if (!holds) {
                return left + " " + v + ", " + other + " " + o + " at " + b;
            }
        }
        return null;
    }

    private static double value(Map<String, Map<Integer, Double>> byKey, String key, int budget) {
        Map<Integer, Double> values = byKey.get(key);
        if (values == null) {
            throw new AssertionError("no rows for '" + key + "'");
        }
        Double v = values.size() == 1 ? values.values().iterator().next() : values.get(budget);
        if (v == null) {
            throw new AssertionError("no row for '" + key + "' at budget " + budget);
        }
        return v;
    }

    private static String checkJson(JsonNode json, String pointer, String assertion) {
        Matcher m;
        if (!pointer.contains("*")) {
            return checkScalar(json, pointer, assertion);
        }
        double[] v = series(json, pointer);
        if ((m = Pattern.compile("sum = (\\S+)").matcher(assertion)).matches()) {
            return rounded(Arrays.stream(v).sum(), m.group(1));
        }
        if ((m = Pattern.compile("(argmax|argmin) = (\\d+)").matcher(assertion)).matches()) {
            int best = 0;
            for (int i = 1; i < v.length; i++) {
                if (m.group(1).equals("argmax") ? v[i] > v[best] : v[i] < v[best]) {
                    best = i;
                }
            }
            return best == Integer.parseInt(m.group(2)) ? null : m.group(1) + " is " + best + " in " + Arrays.toString(v);
        }
        if ((m = Pattern.compile("at (\\d+) = (\\S+)").matcher(assertion)).matches()) {
            return rounded(v[Integer.parseInt(m.group(1))], m.group(2));
        }
        if ((m = Pattern.compile("within \\[(\\S+), (\\S+)\\]").matcher(assertion)).matches()) {
            double lo = Double.parseDouble(m.group(1)), hi = Double.parseDouble(m.group(2));
            return Arrays.stream(v).allMatch(x -> x >= lo && x <= hi) ? null : Arrays.toString(v);
        }
        if ((m = Pattern.compile("all = (\\S+)").matcher(assertion)).matches()) {
            for (double x : v) {
                String p = rounded(x, m.group(1));
                if (p != null) {
                    return p;
                }
            }
            return null;
        }
        return "not a claim this test understands";
    }

    /**
     * A pointer without {@code *}: {@code = V} (a number as rounded in the text, a string as written, an
     * array as its comma-separated elements), {@code size = N} (an array's length); pointers joined by
     * {@code +} are summed.
     */
    private static String checkScalar(JsonNode json, String pointer, String assertion) {
        Matcher m;
        if ((m = Pattern.compile("size = (\\d+)").matcher(assertion)).matches()) {
            int size = json.at(pointer).size();
            return size == Integer.parseInt(m.group(1)) ? null : "the data has " + size;
        }
        if (!(m = Pattern.compile("= (.+)").matcher(assertion)).matches()) {
            return "not a scalar claim";
        }
        String expected = m.group(1);
        if (pointer.contains("+")) {
            return rounded(Arrays.stream(pointer.split("\\+")).mapToDouble(p -> node(json, p).asDouble()).sum(), expected);
        }
        JsonNode n = node(json, pointer);
        if (n.isNumber()) {
            return rounded(n.asDouble(), expected);
        }
        if (n.isArray()) {
            String[] items = expected.split(",");
            if (items.length != n.size()) {
                return "the data has " + n;
            }
            for (int i = 0; i < items.length; i++) {
                String item = items[i].strip();
                boolean same = n.get(i).isNumber() ? rounded(n.get(i).asDouble(), item) == null : n.get(i).asText().equals(item);
                if (!same) {
                    return "the data has " + n;
                }
            }
            return null;
        }
        return n.asText().equals(expected) ? null : "the data says '" + n.asText() + "'";
    }

    private static JsonNode node(JsonNode json, String pointer) {
        JsonNode n = json.at(pointer);
        if (n.isMissingNode()) {
            throw new AssertionError("no " + pointer + " in the data");
        }
        return n;
    }

    /** Values of a pointer with one '*' (over an array), each a number or the sum of an array slice [a:b]. */
    private static double[] series(JsonNode json, String pointer) {
        Matcher slice = Pattern.compile("(.*)\\[(\\d+):(\\d*)\\]").matcher(pointer);
        String path = slice.matches() ? slice.group(1) : pointer;
        String[] parts = path.split("/\\*", 2);
        JsonNode array = json.at(parts[0]);
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode n = array.get(i).at(parts[1]);
            if (slice.matches()) {
                double[] d = doubles(n);
                out[i] = sum(d, Integer.parseInt(slice.group(2)), slice.group(3).isEmpty() ? d.length
                        : Integer.parseInt(slice.group(3)));
            } else {
                out[i] = n.asDouble();
            }
        }
        return out;
    }

    /** Null when {@code value} rounds to {@code text} (with text's decimals; a trailing % means a share). */
    private static String rounded(double value, String text) {
        boolean percent = text.endsWith("%");
        String digits = percent ? text.substring(0, text.length() - 1) : text;
        int decimals = digits.contains(".") ? digits.length() - digits.indexOf('.') - 1 : 0;
        double shown = percent ? 100 * value : value;
        String formatted = String.format(Locale.ROOT, "%." + decimals + "f", shown);
        return Double.parseDouble(formatted) == Double.parseDouble(digits) ? null : "the data says " + formatted
                + (percent ? "%" : "");
    }

    // ---- files ---------------------------------------------------------------------------------

    static List<Map<String, String>> csv(String file) throws IOException {
        List<String> lines = Files.readAllLines(results.resolve(file));
        String[] header = lines.get(0).split(",");
        List<Map<String, String>> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",", -1);
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < header.length; i++) {
                row.put(header[i], cells[i]);
            }
            rows.add(row);
        }
        return rows;
    }

    /** The body rows of the markdown table whose header starts with {@code header}, cells trimmed. */
    static List<List<String>> table(String header) {
        int start = doc.indexOf(header);
        if (start < 0) {
            fail("no table starting '" + header + "' in docs/RESULTS.md");
        }
        List<String> lines = doc.substring(start).lines().takeWhile(l -> l.startsWith("|")).toList();
        return lines.subList(2, lines.size()).stream()
                .map(l -> Arrays.stream(l.substring(1, l.length() - 1).split("\\|")).map(String::strip).toList()).toList();
    }

    private static int[] ints(String list) {
        return Arrays.stream(list.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    private static double num(Map<String, String> row, String column) {
        String v = row.get(column);
        if (v == null) {
            throw new AssertionError("no column '" + column + "'");
        }
        return Double.parseDouble(v);
    }

    private static String fmt(String format, Map<String, String> row, String column) {
        return String.format(Locale.ROOT, format, num(row, column));
    }

    private static String bytes(Map<String, String> row, String column) {
        return String.format(Locale.ROOT, "%,d", Math.round(num(row, column)));
    }

    private static String percent(double share) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * share);
    }

    private static double[] doubles(JsonNode array) {
        double[] d = new double[array.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = array.get(i).asDouble();
        }
        return d;
    }

    private static double sum(double[] d, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += d[i];
        }
        return s;
    }
}
