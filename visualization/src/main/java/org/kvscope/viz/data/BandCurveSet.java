package org.kvscope.viz.data;

import java.util.List;

/**
 * Band curves of one metric, with the budget currently set marked.
 *
 * @param metric       y-axis label
 * @param curves       series in order: policy A, policy B, then any others (e.g. FullKV)
 * @param markedBudget the current budget (NaN for none)
 * @param spread       what the band spans (e.g. "min–max over 3 prompts")
 */
public record BandCurveSet(String metric, List<BandCurve> curves, double markedBudget, String spread)
        implements CsvWritable {
    public BandCurveSet {
        curves = Checks.copyOf(curves, "curves");
    }

    @Override
    public String toCsv() {
        StringBuilder sb = new StringBuilder(Csv.line("series", "budget", "low", "mid", "high"));
        for (BandCurve c : curves) {
            for (int i = 0; i < c.budgets().length; i++) {
                sb.append(Csv.line(Csv.text(c.name()), Csv.number(c.budgets()[i]), Csv.number(c.low()[i]),
                        Csv.number(c.mid()[i]), Csv.number(c.high()[i])));
            }
        }
        return sb.toString();
    }
}
