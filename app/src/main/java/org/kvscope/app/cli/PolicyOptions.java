package org.kvscope.app.cli;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.kvscope.kv.BudgetParameters;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.ParameterSpec;
import org.kvscope.kv.PolicyRegistry;

/** Reads {@code --policy NAME} and that policy's declared parameters from a command line. */
final class PolicyOptions {
    private PolicyOptions() {}

    /** The value of --policy (before full parsing, so its parameters can be allowed). */
    static String policyName(String[] argv, String fallback) {
        for (int i = 1; i < argv.length; i++) {
            if (argv[i].equals("--policy") && i + 1 < argv.length) {
                return argv[i + 1];
            }
            if (argv[i].startsWith("--policy=")) {
                return argv[i].substring("--policy=".length());
            }
        }
        return fallback;
    }

    /** Options a command accepts: its own plus every parameter of the named policy. */
    static Set<String> allowed(Set<String> own, String policy) {
        Set<String> all = new HashSet<>(own);
        for (ParameterSpec s : known("--policy", policy).parameters()) {
            all.add(s.name());
        }
        return all;
    }

    /**
     * The registry entry of a policy named by {@code option} (e.g. {@code --policies}).
     *
     * @throws UsageException naming the option, the unknown name and the valid ones
     */
    static PolicyRegistry.Entry known(String option, String policy) {
        try {
            return PolicyRegistry.entry(policy);
        } catch (IllegalArgumentException e) {
            throw new UsageException(option + ": " + e.getMessage());
        }
    }

    /**
     * Parameter values given on the command line for the policy, each valid and each with an effect.
     *
     * @throws UsageException for a bad value, or one given where it has no effect
     */
    static Map<String, String> values(Args a, String policy) {
        Map<String, String> v = new LinkedHashMap<>();
        for (ParameterSpec s : PolicyRegistry.entry(policy).parameters()) {
            if (a.has(s.name())) {
                v.put(s.name(), a.string(s.name()));
            }
        }
        create(policy, v);
        requireEffect(policy, v);
        return v;
    }

    /**
     * Refuses a parameter given where it changes nothing: one that applies only with another
     * parameter's value (β only with the pyramid schedule), or a budget a budget ratio replaces.
     */
    private static void requireEffect(String policy, Map<String, String> given) {
        List<ParameterSpec> specs = PolicyRegistry.entry(policy).parameters();
        for (ParameterSpec s : specs) {
            ParameterSpec.Condition when = s.shownWhen();
            if (when == null || !given.containsKey(s.name())) {
                continue;
            }
            String on = when.parameter();
            String value = given.containsKey(on) ? given.get(on) : specs.stream().filter(o -> o.name().equals(on))
                    .map(o -> String.valueOf(o.defaultValue())).findFirst().orElse("");
            if (!when.values().contains(value)) {
                throw new UsageException("--" + s.name() + " applies only with --" + on + " "
                        + String.join(" or ", when.values()) + ", and --" + on + " is " + value
                        + (given.containsKey(on) ? "" : " (" + policy + "'s default)") + ": give --" + on + " "
                        + when.values().get(0) + " or leave --" + s.name() + " out");
            }
        }
        if (given.containsKey(BudgetParameters.BUDGET) && given.containsKey(BudgetParameters.RATIO)
                && Double.parseDouble(given.get(BudgetParameters.RATIO).trim()) > 0) {
            throw new UsageException("--" + BudgetParameters.RATIO + " " + given.get(BudgetParameters.RATIO).trim()
                    + " replaces --" + BudgetParameters.BUDGET + " (the budget is that share of the prompt): give one of them");
        }
    }

    static CompressionPolicy create(String policy, Map<String, ?> values) {
        try {
            return PolicyRegistry.create(policy, values);
        } catch (IllegalArgumentException e) {
            throw new UsageException(withHelpRange(policy, String.valueOf(e.getMessage())));
        }
    }

    /**
     * A parameter's out-of-range message with the range help prints for it (snapkv's budget 0 was
     * refused as outside "1..1048576", its declaration, while help says 2..1048576, more than --window).
     */
    private static String withHelpRange(String policy, String message) {
        List<ParameterSpec> specs = PolicyRegistry.entry(policy).parameters();
        for (ParameterSpec s : specs) {
            String declared = "parameter '" + s.name() + "' must be " + s.validRange() + ", was ";
            if (message.startsWith(declared)) {
                return "parameter '" + s.name() + "' must be " + range(s, belowBudget(policy, specs)) + ", was "
                        + message.substring(declared.length());
            }
        }
        return message;
    }

    /** The help entries of --policy and, with {@code budget}, of the --budget most policies share. */
    static String usage(int width, boolean budget) {
        return usage(width, budget, null);
    }

    /** As {@link #usage(int, boolean)}, for a command whose {@code --policy} defaults to {@code fallback} (null: required). */
    static String usage(int width, boolean budget, String fallback) {
        return ModelOptions.entry(width, "--policy NAME", "one of the policies below, with its parameters"
                + (fallback == null ? "" : " (default " + fallback + ")"))
                + (budget ? ModelOptions.entry(width, "--budget B", "KV entries kept per layer and kv-head, for the"
                + " policies that have one: range and default under each below") : "");
    }

    /** Usage lines for every registered policy's parameters, each with the range it accepts. */
    static String describeAll() {
        StringBuilder sb = new StringBuilder("policies and their parameters:\n");
        for (PolicyRegistry.Entry e : PolicyRegistry.entries()) {
            sb.append("  ").append(e.name()).append(" — ").append(e.description()).append('\n');
            List<ParameterSpec> specs = e.parameters();
            List<ParameterSpec> below = belowBudget(e.name(), specs);
            for (ParameterSpec s : specs) {
                sb.append(String.format("      --%-14s %s (%s, default %s)%n", s.name(), s.description(),
                        range(s, below), s.defaultValue() instanceof int[] arr ? java.util.Arrays.toString(arr)
                                : s.defaultValue()));
            }
        }
        return sb.toString();
    }

    /**
     * A parameter's accepted range with the limits its declaration does not show: from the model,
     * the prompt, or another parameter (a budget must exceed the always-kept windows inside it, so
     * its least value is one more than their least values).
     */
    private static String range(ParameterSpec s, List<ParameterSpec> belowBudget) {
        String name = s.name();
        if (name.equals(BudgetParameters.BUDGET)) {
            if (belowBudget.isEmpty()) {
                return s.validRange() + "; at most the model's context length";
            }
            int least = (int) Math.max(s.min(), belowBudget.stream().mapToDouble(ParameterSpec::min).max().orElse(0) + 1);
            return least + ".." + (int) s.max() + "; more than " + String.join(" and ",
                    belowBudget.stream().map(b -> "--" + b.name()).toList()) + ", at most the model's context length";
        }
        List<String> limits = new ArrayList<>();
        if (belowBudget.contains(s)) {
            limits.add("smaller than budget");
        }
        if (name.equals(PolicyChecks.WINDOW)) {
            limits.add("at most the prompt's tokens");
        }
        if (name.equals("layer-weights")) {
            limits.add("one per model layer");
        }
        return s.validRange() + (limits.isEmpty() ? "" : "; " + String.join(", ", limits));
    }

    /**
     * The integer parameters the policy requires to be smaller than its budget, found by asking the
     * policy itself: each at the budget's value, every other integer parameter at its least.
     */
    private static List<ParameterSpec> belowBudget(String policy, List<ParameterSpec> specs) {
        ParameterSpec budget = specs.stream().filter(s -> s.name().equals(BudgetParameters.BUDGET)).findFirst().orElse(null);
        if (budget == null) {
            return List.of();
        }
        int b = ((Number) budget.defaultValue()).intValue();
        List<ParameterSpec> below = new ArrayList<>();
        for (ParameterSpec s : specs) {
            if (s == budget || s.type() != ParameterSpec.Type.INT || s.max() < b || s.min() > b) {
                continue;
            }
            Map<String, Object> values = new LinkedHashMap<>();
            for (ParameterSpec o : specs) {
                if (o.type() == ParameterSpec.Type.INT && o != budget) {
                    values.put(o.name(), (int) o.min());
                }
            }
            values.put(s.name(), b);
            try {
                PolicyRegistry.create(policy, values);
            } catch (IllegalArgumentException e) {
                if (String.valueOf(e.getMessage()).contains("'" + s.name() + "' must be smaller than 'budget'")) {
                    below.add(s);
                }
            }
        }
        return below;
    }
}
