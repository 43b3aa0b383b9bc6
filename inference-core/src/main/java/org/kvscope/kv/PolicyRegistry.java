package org.kvscope.kv;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Finds compression policies by name. Adding a policy is one new class plus one
 * {@link #register} line here.
 */
public final class PolicyRegistry {
    /** A registered policy: name, one-line description, declared parameters and a factory. */
    public record Entry(String name, String description, Supplier<List<ParameterSpec>> specs,
                        Function<PolicyParameters, CompressionPolicy> factory) {
        public List<ParameterSpec> parameters() { return specs.get(); }
    }

    private static final Map<String, Entry> ENTRIES = new LinkedHashMap<>();

    static {
        register(new Entry(FullKvPolicy.NAME, "keep every position (baseline)", FullKvPolicy::specs,
                FullKvPolicy::new));
        register(new Entry(StreamingLlmPolicy.NAME, "attention sinks + recent window", StreamingLlmPolicy::specs,
                StreamingLlmPolicy::new));
        register(new Entry(H2oPolicy.NAME, "heavy hitters by accumulated attention + recent window",
                H2oPolicy::specs, H2oPolicy::new));
        register(new Entry(SnapKvPolicy.NAME, "observation-window attention, pooled, top-k per kv-head",
                SnapKvPolicy::specs, SnapKvPolicy::new));
        register(new Entry(PyramidKvPolicy.NAME, "SnapKV selection with budgets shrinking towards upper layers",
                PyramidKvPolicy::specs, PyramidKvPolicy::new));
        register(new Entry(PyramidInferPolicy.NAME, "deeper layers compute fewer tokens: pivotal context by recent attention",
                PyramidInferPolicy::specs, PyramidInferPolicy::new));
    }

    private PolicyRegistry() {}

    /** Adds a policy (replacing one of the same name). */
    public static synchronized void register(Entry entry) {
        ENTRIES.put(entry.name(), entry);
    }

    public static synchronized List<Entry> entries() {
        return new ArrayList<>(ENTRIES.values());
    }

    public static synchronized Entry entry(String name) {
        Entry e = ENTRIES.get(name == null ? "" : name.toLowerCase(java.util.Locale.ROOT));
        if (e == null) {
            throw new IllegalArgumentException("unknown policy '" + name + "'; valid: "
                    + String.join(", ", ENTRIES.keySet()));
        }
        return e;
    }

    /**
     * A configured policy instance.
     *
     * @param values parameter values by name (Strings from the CLI or typed values); missing ones
     *               take their defaults
     */
    public static CompressionPolicy create(String name, Map<String, ?> values) {
        Entry e = entry(name);
        return e.factory().apply(PolicyParameters.of(e.parameters(), values));
    }
}
