package org.kvscope.app.ui.vm;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.kvscope.kv.ParameterSpec;

/** Converts policy parameter values between their typed form and the text saved in sessions. */
public final class ParameterValues {
    private ParameterValues() {}

    /** Text form of a value: numbers and choices as written, int lists comma-separated. */
    public static String format(Object value) {
        if (value == null) {
            return "";
        }
        if (value instanceof int[] list) {
            return Arrays.stream(list).mapToObj(Integer::toString).collect(Collectors.joining(","));
        }
        return value.toString();
    }

    /** Every value in text form, in the order given. */
    public static Map<String, String> format(Map<String, ?> values) {
        Map<String, String> out = new LinkedHashMap<>();
        values.forEach((k, v) -> out.put(k, format(v)));
        return out;
    }

    /**
     * Typed values for the given specs from text; missing or empty entries take the default.
     *
     * @throws IllegalArgumentException naming the parameter and its valid range
     */
    public static Map<String, Object> parse(List<ParameterSpec> specs, Map<String, String> text) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (ParameterSpec spec : specs) {
            String t = text.get(spec.name());
            if (t == null || t.isBlank()) {
                if (spec.defaultValue() != null) {
                    out.put(spec.name(), spec.defaultValue());
                }
            } else {
                out.put(spec.name(), spec.validate(t));
            }
        }
        for (String key : text.keySet()) {
            if (specs.stream().noneMatch(s -> s.name().equals(key))) {
                throw new IllegalArgumentException("unknown parameter '" + key + "'; valid: "
                        + specs.stream().map(ParameterSpec::name).collect(Collectors.joining(", ")));
            }
        }
        return out;
    }

    /** The defaults of the specs (parameters without a default are left out). */
    public static Map<String, Object> defaults(List<ParameterSpec> specs) {
        return parse(specs, Map.of());
    }
}
