package org.kvscope.kv;

import java.util.List;

/**
 * The budget parameters shared by scored policies: an average number of kept entries per layer
 * and kv-head (absolute, or a ratio of the prompt) and the schedule splitting it across layers.
 */
public final class BudgetParameters {
    private BudgetParameters() {}

    public static final String BUDGET = "budget";
    public static final String RATIO = "budget-ratio";
    public static final String SCHEDULE = "schedule";

    /** Parameter specs with the given default schedule. */
    public static List<ParameterSpec> specs(String defaultSchedule) {
        return List.of(
                ParameterSpec.integer(BUDGET, 1, 1 << 20, 64,
                        "average KV entries kept per layer and kv-head (window included)")
                        .withLabel("budget k (entries)").withLogScale(),
                ParameterSpec.real(RATIO, 0, 1, 0,
                        "if > 0, budget as this fraction of the prompt length instead of 'budget'")
                        .withLabel("budget ratio"),
                ParameterSpec.choice(SCHEDULE, List.of("uniform", "pyramid", "power-law", "cosine", "custom", "auto"),
                        defaultSchedule, "how the budget is split across layers (auto: by each layer's measured"
                                + " positions for 90% of the attention mass)").withLabel("layer schedule"),
                ParameterSpec.real("beta", 1, 1000, 20, "pyramid steepness: top layer gets budget/beta")
                        .withLabel("β (PyramidKV)").withLogScale().shownWhen(SCHEDULE, "pyramid"),
                ParameterSpec.real("exponent", 0, 10, 1, "power-law decay exponent")
                        .withLabel("decay exponent").shownWhen(SCHEDULE, "power-law"),
                ParameterSpec.real("min-ratio", 0.01, 1, 0.25, "cosine: top layer weight relative to bottom")
                        .withLabel("decay ratio (top / bottom)").withLogScale().shownWhen(SCHEDULE, "cosine"),
                ParameterSpec.intList("layer-weights", 1, 1_000_000, "custom: one relative weight per layer")
                        .withLabel("layer weights").shownWhen(SCHEDULE, "custom"));
    }

    /** Average entries per layer and kv-head for a prompt. */
    public static int average(PolicyParameters p, int promptLength) {
        double ratio = p.getDouble(RATIO);
        return ratio > 0 ? Math.max(1, (int) Math.round(ratio * promptLength)) : p.getInt(BUDGET);
    }

    /** The configured schedule ("auto" is uniform here: it needs a prompt's attention, see {@link AutoSchedule}). */
    public static BudgetSchedule schedule(PolicyParameters p) {
        return switch (p.getChoice(SCHEDULE)) {
            case "pyramid" -> new PyramidSchedule(p.getDouble("beta"));
            case "power-law" -> new PowerLawSchedule(p.getDouble("exponent"));
            case "cosine" -> new CosineSchedule(p.getDouble("min-ratio"));
            case "custom" -> new CustomSchedule(p.getIntList("layer-weights"));
            default -> new UniformSchedule();
        };
    }

    /**
     * Checks that an always-kept window parameter leaves room in an absolute budget.
     *
     * @throws IllegalArgumentException naming the parameter
     */
    public static void requireBelowBudget(PolicyParameters p, String parameter) {
        if (p.getDouble(RATIO) == 0 && p.getInt(parameter) >= p.getInt(BUDGET)) {
            throw new IllegalArgumentException("parameter '" + parameter + "' must be smaller than 'budget' ("
                    + p.getInt(BUDGET) + "), was " + p.getInt(parameter));
        }
    }

    /** Checks an absolute budget against the session's context. */
    public static void validate(PolicyParameters p, int contextLength) {
        if (p.getDouble(RATIO) == 0 && p.getInt(BUDGET) > contextLength) {
            throw new IllegalArgumentException("parameter 'budget' must be at most " + contextLength
                    + " (the model's context length), was " + p.getInt(BUDGET)); // its least value is the spec's
        }
    }
}
