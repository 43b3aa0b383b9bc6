package org.kvscope.app.cli;

import java.util.HashSet;
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
        try {
            for (ParameterSpec s : PolicyRegistry.entry(policy).parameters()) {
                all.add(s.name());
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException("--policy: " + e.getMessage());
        }
        return all;
    }

    /** Parameter values given on the command line for the policy. */
    static Map<String, String> values(Args a, String policy) {
        Map<String, String> v = new LinkedHashMap<>();
        for (ParameterSpec s : PolicyRegistry.entry(policy).parameters()) {
            if (a.has(s.name())) {
                v.put(s.name(), a.string(s.name()));
            }
        }
        return v;
    }

    static CompressionPolicy create(String policy, Map<String, ?> values) {
        try {
            return PolicyRegistry.create(policy, values);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** Limits a parameter's declared range does not show: they come from the model, the prompt or another parameter. */
    private static final Map<String, String> LIMITS = Map.of(
            BudgetParameters.BUDGET, "at most the model's context length",
            "window", "smaller than budget, at most the prompt's tokens",
            "recent", "smaller than budget",
            "layer-weights", "one per model layer");

    /** Usage lines for every registered policy's parameters. */
    static String describeAll() {
        StringBuilder sb = new StringBuilder("policies and their parameters:\n");
        for (PolicyRegistry.Entry e : PolicyRegistry.entries()) {
            sb.append("  ").append(e.name()).append(" — ").append(e.description()).append('\n');
            for (ParameterSpec s : e.parameters()) {
                String limit = LIMITS.containsKey(s.name()) ? "; " + LIMITS.get(s.name()) : "";
                sb.append(String.format("      --%-14s %s (%s%s, default %s)%n", s.name(), s.description(), s.validRange(),
                        limit, s.defaultValue() instanceof int[] arr ? java.util.Arrays.toString(arr) : s.defaultValue()));
            }
        }
        return sb.toString();
    }
}
