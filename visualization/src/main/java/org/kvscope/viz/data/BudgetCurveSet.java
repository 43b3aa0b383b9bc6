package org.kvscope.viz.data;

import java.util.List;

/**
 * Metric-versus-budget curves of several policies, as overlaid in one chart.
 *
 * @param metric name of the metric (y axis), e.g. "attention recall"
 * @param curves one curve per policy
 */
public record BudgetCurveSet(String metric, List<BudgetCurve> curves) implements CsvWritable {

    public BudgetCurveSet {
        Checks.notNull(metric, "metric");
        curves = Checks.copyOf(curves, "curves");
    }

    /** Long table: one line per (policy, budget). */
    @Override
    public String toCsv() {
        StringBuilder sb = new StringBuilder(Csv.line("series", "budget", Csv.text(metric)));
        for (BudgetCurve c : curves) {
            for (int i = 0; i < c.budgets().length; i++) {
                sb.append(Csv.line(Csv.text(c.name()), Csv.number(c.budgets()[i]), Csv.number(c.values()[i])));
            }
        }
        return sb.toString();
    }
}
