package org.kvscope.kv;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Validated values for a list of {@link ParameterSpec}s; every declared parameter has a value
 * (its default unless given).
 */
public final class PolicyParameters {
    private final Map<String, Object> values;

    private PolicyParameters(Map<String, Object> values) {
        this.values = values;
    }

    /**
     * @throws IllegalArgumentException for an unknown name (listing the valid ones) or a bad value
     */
    public static PolicyParameters of(List<ParameterSpec> specs, Map<String, ?> given) {
        Map<String, ParameterSpec> byName = new LinkedHashMap<>();
        specs.forEach(s -> byName.put(s.name(), s));
        for (String key : given.keySet()) {
            if (!byName.containsKey(key)) {
                throw new IllegalArgumentException("unknown parameter '" + key + "'; valid: "
                        + (byName.isEmpty() ? "(none)" : String.join(", ", byName.keySet())));
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (ParameterSpec s : specs) {
            Object v = given.containsKey(s.name()) ? given.get(s.name()) : s.defaultValue();
            out.put(s.name(), s.validate(v));
        }
        return new PolicyParameters(Collections.unmodifiableMap(out));
    }

    public int getInt(String name) { return (Integer) require(name); }

    public double getDouble(String name) { return ((Number) require(name)).doubleValue(); }

    public boolean getBoolean(String name) { return (Boolean) require(name); }

    public String getChoice(String name) { return (String) require(name); }

    public int[] getIntList(String name) { return ((int[]) require(name)).clone(); }

    public Map<String, Object> asMap() { return values; }

    private Object require(String name) {
        Object v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no parameter '" + name + "' (have " + values.keySet() + ")");
        }
        return v;
    }

    @Override
    public String toString() {
        return values.entrySet().stream().map(e -> e.getKey() + "=" + (e.getValue() instanceof int[] a
                ? java.util.Arrays.toString(a) : e.getValue())).collect(Collectors.joining(", "));
    }
}
