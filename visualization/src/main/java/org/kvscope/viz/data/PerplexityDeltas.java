package org.kvscope.viz.data;

import java.util.List;

/**
 * A table of perplexity deltas, one entry per (policy, budget).
 *
 * @param entries the measurements
 */
public record PerplexityDeltas(List<PerplexityDelta> entries) implements CsvWritable {

    public PerplexityDeltas {
        entries = Checks.copyOf(entries, "entries");
    }

    @Override
    public String toCsv() {
        StringBuilder sb = new StringBuilder(Csv.line("policy", "budget", "full_perplexity", "perplexity", "delta"));
        for (PerplexityDelta e : entries) {
            sb.append(Csv.line(Csv.text(e.policy()), Integer.toString(e.budget()), Csv.number(e.fullPerplexity()),
                    Csv.number(e.perplexity()), Csv.number(e.delta())));
        }
        return sb.toString();
    }
}
