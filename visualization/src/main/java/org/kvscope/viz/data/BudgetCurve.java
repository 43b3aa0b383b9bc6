package org.kvscope.viz.data;

/**
 * A metric measured at several KV budgets for one policy.
 *
 * @param name    policy or run name
 * @param budgets budgets (x values)
 * @param values  metric value at each budget (NaN = missing)
 */
public record BudgetCurve(String name, double[] budgets, double[] values) {

    public BudgetCurve {
        Checks.notNull(name, "name");
        Checks.notNull(budgets, "budgets");
        Checks.notNull(values, "values");
        Checks.length(values.length, budgets.length, "values", "one per budget");
    }
}
