package org.kvscope.app.cli;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.kvscope.kv.BudgetParameters;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.ParameterSpec;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.model.ModelConfig;

/**
 * Checks a policy's parameters against the loaded model and the prompt before any forward pass,
 * so that a run never fails half-way on a value that was wrong from the start.
 */
final class PolicyChecks {
    static final String WINDOW = "window";

    private PolicyChecks() {}

    /** A limit the prompt (or a capture option) puts on the policy's observation window. */
    record WindowLimit(int tokens, String reason) {
        static WindowLimit none() {
            return new WindowLimit(Integer.MAX_VALUE, "");
        }
    }

    /**
     * @param given  the parameter values the user gave
     * @param window how many final prompt queries the observation window may use, and why
     * @return the values to run with: an observation window the user did not set that is longer
     *         than the limit is shortened to it, and that is said on {@code err}
     * @throws UsageException naming the parameter, the valid range and, when the prompt is the
     *                        cause, the prompt
     */
    static Map<String, String> forModel(String policy, Map<String, String> given, ModelConfig config,
                                        WindowLimit window, PrintStream err) {
        Map<String, String> values = new LinkedHashMap<>(given);
        CompressionPolicy p = PolicyOptions.create(policy, values);
        if (p.evidenceWindow() > window.tokens()) {
            if (given.containsKey(WINDOW) || !declares(policy, WINDOW)) {
                throw new UsageException("parameter '" + WINDOW + "' is " + p.evidenceWindow() + " but " + window.reason()
                        + ": give --" + WINDOW + " at most " + window.tokens() + " or a longer prompt");
            }
            values.put(WINDOW, Integer.toString(window.tokens()));
            p = PolicyOptions.create(policy, values);
            err.println("note: --" + WINDOW + " " + window.tokens() + " (default " + spec(policy, WINDOW).defaultValue()
                    + ", shortened because " + window.reason() + ")");
        }
        try {
            p.validateFor(config.contextLength());
            if (p.parameters().asMap().containsKey(BudgetParameters.SCHEDULE)) {
                BudgetParameters.schedule(p.parameters()).shape(config.layers());
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        return values;
    }

    /**
     * Checks that {@code policy} can score prompts of up to {@code longestPrompt} tokens on this
     * model: KVzip's reconstruction pass needs room after the prompt.
     *
     * @throws UsageException naming the policy and the longest prompt that fits
     */
    static void forPrompts(String policy, Map<String, ?> params, org.kvscope.model.Model model, int longestPrompt,
                           String prompts) {
        if (PolicyRegistry.create(policy, params).needsContextReconstruction()) {
            try {
                org.kvscope.engine.ContextReconstruction.requireRoom(model, longestPrompt);
            } catch (IllegalArgumentException e) {
                throw new UsageException("policy '" + policy + "' cannot score " + prompts + ": " + e.getMessage());
            }
        }
    }

    /**
     * With a budget ratio above 0 the budget is that share of each prompt: on the shortest one it
     * must leave room for the policy's always-kept windows, as an absolute budget must.
     *
     * @param values   the parameter values to run with
     * @param shortest tokens of the shortest prompt the policy compresses, and {@code prompts} what it is
     * @throws UsageException naming the ratio, the budget it gives and the prompt
     */
    static void forBudgetRatio(String policy, Map<String, String> values, int shortest, String prompts) {
        String ratio = values.get(BudgetParameters.RATIO);
        if (ratio == null || Double.parseDouble(ratio.trim()) == 0) {
            return;
        }
        int budget = BudgetParameters.average(PolicyOptions.create(policy, values).parameters(), shortest);
        Map<String, String> absolute = new LinkedHashMap<>(values);
        absolute.put(BudgetParameters.RATIO, "0");
        absolute.put(BudgetParameters.BUDGET, Integer.toString(budget));
        try {
            PolicyRegistry.create(policy, absolute);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--" + BudgetParameters.RATIO + " " + ratio.trim() + " gives a budget of " + budget
                    + " on " + prompts + " (" + shortest + " tokens), and " + e.getMessage()
                    + ": give a larger --" + BudgetParameters.RATIO + " or a longer prompt");
        }
    }

    static boolean declares(String policy, String parameter) {
        return spec(policy, parameter) != null;
    }

    private static ParameterSpec spec(String policy, String parameter) {
        return PolicyRegistry.entry(policy).parameters().stream().filter(s -> s.name().equals(parameter)).findFirst()
                .orElse(null);
    }
}
