package org.kvscope.kv.spi;

import java.util.List;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.ParameterSpec;
import org.kvscope.kv.PolicyParameters;

/**
 * The plugin point for KV-cache compression policies, found with {@link java.util.ServiceLoader}.
 *
 * <p>A jar provides policies by implementing this interface (a public class with a public
 * no-argument constructor) and naming the class in
 * {@code META-INF/services/org.kvscope.kv.spi.PolicyProvider}. kvscope loads such jars from
 * {@code ~/.kvscope/plugins/} and from {@code --plugins DIR} at start; the built-in policies are
 * registered the same way. Every CLI command ({@code --policy NAME}) and the workbench then
 * offer the policy, with controls and options generated from {@link #parameters()}.
 *
 * <p>What a policy sees and returns is described on {@link CompressionPolicy}: after prefill a
 * {@link CompressionPolicy.PrefillContext} (model shape, prompt length, attention evidence and
 * the prompt's keys) and during decoding a {@link CompressionPolicy.DecodeContext} (the cache
 * and the step's attention); it returns the positions to keep per layer and kv-head. Every
 * returned set is checked (strictly increasing, in range, within the declared budget); a
 * violation, or an exception thrown by the policy, fails that run with a one-line message naming
 * the plugin while the application and the other policies keep working.
 *
 * <p>This interface is the stable API: its four methods will not change incompatibly.
 */
public interface PolicyProvider {

    /**
     * Registry name, used as {@code --policy NAME}: lowercase letters, digits and '-', starting
     * with a letter, unique among all loaded policies.
     */
    String name();

    /** One line shown next to the name in help texts and the workbench's policy picker. */
    String description();

    /**
     * The tunable parameters, in display order. Declare {@code budget} (an integer: average KV
     * entries kept per layer and kv-head) when the policy has one; the kept sets are then checked
     * against it. {@link org.kvscope.kv.BudgetParameters#specs} gives the standard budget set.
     */
    List<ParameterSpec> parameters();

    /**
     * A new, configured policy instance (one per session; it may hold decode-time state).
     *
     * @param params a value for every declared parameter, already validated against its spec
     * @throws IllegalArgumentException naming the parameter when a combination is invalid
     */
    CompressionPolicy create(PolicyParameters params);
}
