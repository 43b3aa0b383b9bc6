package org.kvscope.viz.data;

/**
 * KV budget (tokens kept) per layer, e.g. the pyramid a PyramidKV schedule produces.
 *
 * @param budgets     one budget per layer, each &gt;= 0
 * @param description short description of the schedule parameters, shown as a caption
 */
public record BudgetSchedule(int[] budgets, String description) implements CsvWritable {

    public BudgetSchedule {
        Checks.notNull(budgets, "budgets");
        Checks.notNull(description, "description");
        for (int i = 0; i < budgets.length; i++) {
            Checks.nonNegative(budgets[i], "budgets[" + i + "]");
        }
    }

    /** Number of layers. */
    public int layerCount() {
        return budgets.length;
    }

    @Override
    public String toCsv() {
        StringBuilder sb = new StringBuilder(Csv.line("layer", "budget"));
        for (int i = 0; i < budgets.length; i++) {
            sb.append(Csv.line(Integer.toString(i), Integer.toString(budgets[i])));
        }
        return sb.toString();
    }
}
