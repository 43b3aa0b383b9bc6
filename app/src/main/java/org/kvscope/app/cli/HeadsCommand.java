package org.kvscope.app.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.kvscope.backend.BackendFactory;
import org.kvscope.engine.RetrievalHeads;
import org.kvscope.kv.DuoAttentionPolicy;
import org.kvscope.model.Model;

/**
 * {@code kvscope heads}: the DuoAttention-style head classification of a model, per layer and
 * kv-head: its retrieval score on the pass-key probes and whether it is a retrieval head (keeps
 * the full cache) or a streaming head (sinks + recent window), as a table, CSV or JSON.
 */
public final class HeadsCommand implements Command {
    @Override public String name() { return "heads"; }

    @Override public String summary() { return "classify heads as retrieval or streaming (duo-attention), per layer and kv-head"; }

    @Override
    public String usage() {
        return """
                usage: kvscope heads --model FILE [--retrieval-ratio R] [--format table|csv|json] [--out FILE]
                                     [--device D] [--cache-type T] [--quiet]
                """ + ModelOptions.usage(20) + """
                  --retrieval-ratio R  share of layers x kv-heads classed as retrieval heads, in [0, 1] (default 0.5;
                                       duo-attention takes the share its budget allows, in this order)
                  --format F           table (default), csv or json
                  --out FILE           write there instead of stdout
                """ + DeviceOption.USAGE + "\n" + Progress.USAGE + """

                  score: attention mass the answer's queries put on the needle in 4 pass-key probes (mean;
                  a kv-head takes its highest query head)""";
    }

    @Override
    public int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        Args a = Args.parse(name(), argv, 1, Set.of("model", "retrieval-ratio", "format", "out", DeviceOption.NAME,
                DeviceOption.CACHE_TYPE), Set.of(Progress.QUIET));
        DeviceOption.device(a);
        double ratio = a.number("retrieval-ratio", 0.5, 0, 1);
        String format = a.string("format", "table").toLowerCase(Locale.ROOT);
        if (!List.of("table", "csv", "json").contains(format)) {
            throw new UsageException("--format must be table, csv or json, was '" + a.string("format") + "'");
        }
        OutputOptions.check(a, "out");
        try (Model model = ModelOptions.load(a); BackendFactory backend = DeviceOption.select(a, err)) {
            List<RetrievalHeads.Probe> probes = RetrievalHeads.passKeyProbes(model);
            RetrievalHeads scores;
            try (Progress progress = Progress.start(a, err, "heads", probes.size(), "pass-key probes")) {
                scores = RetrievalHeads.measure(backend, model, probes,
                        f -> progress.stepTo(Math.round(f * probes.size()), "attention on the needle"), () -> false);
            }
            String text = switch (format) {
                case "csv" -> csv(scores, ratio);
                case "json" -> json(model, scores, ratio);
                default -> table(scores, ratio);
            };
            if (a.has("out")) {
                OutputOptions.write(a, "out", text);
            } else {
                out.print(text);
            }
        }
        return 0;
    }

    static String csv(RetrievalHeads scores, double ratio) {
        StringBuilder sb = new StringBuilder("layer,kv_head,score,class\n");
        float[][] s = scores.perKvHead();
        boolean[][] retrieval = DuoAttentionPolicy.classify(s, ratio);
        for (int l = 0; l < s.length; l++) {
            for (int h = 0; h < s[l].length; h++) {
                sb.append(String.format(Locale.ROOT, "%d,%d,%.6f,%s%n", l, h, s[l][h], kind(retrieval[l][h])));
            }
        }
        return sb.toString();
    }

    static String table(RetrievalHeads scores, double ratio) {
        float[][] s = scores.perKvHead();
        boolean[][] retrieval = DuoAttentionPolicy.classify(s, ratio);
        StringBuilder sb = new StringBuilder("layer");
        for (int h = 0; h < s[0].length; h++) {
            sb.append(String.format("  kv-head %-5d", h));
        }
        sb.append('\n');
        for (int l = 0; l < s.length; l++) {
            sb.append(String.format("%5d", l));
            for (int h = 0; h < s[l].length; h++) {
                sb.append(String.format(Locale.ROOT, "  %.4f %s   ", s[l][h], retrieval[l][h] ? "R" : "s"));
            }
            sb.append('\n');
        }
        sb.append(String.format(Locale.ROOT, "R = retrieval head (full cache), s = streaming head (sinks + recent);"
                + " top %.0f%% of %d heads by retrieval score%n", 100 * ratio, s.length * s[0].length));
        return sb.toString();
    }

    static String json(Model model, RetrievalHeads scores, double ratio) throws Exception {
        float[][] s = scores.perKvHead();
        boolean[][] retrieval = DuoAttentionPolicy.classify(s, ratio);
        int group = scores.perQueryHead()[0].length / scores.kvHeads();
        List<Map<String, Object>> heads = new ArrayList<>();
        for (int l = 0; l < s.length; l++) {
            for (int h = 0; h < s[l].length; h++) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("layer", l);
                row.put("kvHead", h);
                row.put("score", s[l][h]);
                row.put("queryHeadScores", java.util.Arrays.copyOfRange(scores.perQueryHead()[l], h * group, (h + 1) * group));
                row.put("class", kind(retrieval[l][h]));
                heads.add(row);
            }
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("model", model.info().path().getFileName().toString());
        report.put("probes", scores.probes());
        report.put("retrievalRatio", ratio);
        report.put("heads", heads);
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report) + "\n";
    }

    private static String kind(boolean retrieval) {
        return retrieval ? "retrieval" : "streaming";
    }
}
