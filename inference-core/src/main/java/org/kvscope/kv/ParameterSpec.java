package org.kvscope.kv;

import java.util.List;

/**
 * A tunable parameter a policy or schedule declares, so that the UI and the CLI can build their
 * controls from it and validate values.
 *
 * @param name         identifier used on the command line ({@code --name}) and in JSON
 * @param type         value kind
 * @param min          smallest valid value (numbers)
 * @param max          largest valid value (numbers)
 * @param defaultValue value used when none is given (Integer, Double, Boolean, String or int[])
 * @param choices      valid values for {@link Type#CHOICE}
 * @param description  one line for tooltips and help
 * @param label        name shown in the UI, as the papers write it (null: {@code name})
 * @param logScale     whether a slider for it should move on a log scale (a hint; wide ranges get one anyway)
 * @param shownWhen    the only case in which the parameter has an effect (null: always)
 */
public record ParameterSpec(String name, Type type, double min, double max, Object defaultValue,
                            List<String> choices, String description, String label, boolean logScale,
                            Condition shownWhen) {

    public enum Type { INT, DOUBLE, BOOLEAN, CHOICE, INT_LIST }

    /** A parameter matters only while another (a choice) has one of these values, e.g. β only for the pyramid schedule. */
    public record Condition(String parameter, List<String> values) {
        public Condition {
            values = List.copyOf(values);
        }
    }

    /** A spec without UI hints (label, log scale, condition). */
    public ParameterSpec(String name, Type type, double min, double max, Object defaultValue, List<String> choices,
                         String description) {
        this(name, type, min, max, defaultValue, choices, description, null, false, null);
    }

    /** This spec with the name the UI shows. */
    public ParameterSpec withLabel(String uiLabel) {
        return new ParameterSpec(name, type, min, max, defaultValue, choices, description, uiLabel, logScale, shownWhen);
    }

    /** This spec with a log-scale slider hint. */
    public ParameterSpec withLogScale() {
        return new ParameterSpec(name, type, min, max, defaultValue, choices, description, label, true, shownWhen);
    }

    /** This spec, having an effect only while {@code parameter} is one of {@code values}. */
    public ParameterSpec shownWhen(String parameter, String... values) {
        return new ParameterSpec(name, type, min, max, defaultValue, choices, description, label, logScale,
                new Condition(parameter, List.of(values)));
    }

    /** The name the UI shows: the label, or else the name in words ("recent-window" → "recent window"). */
    public String displayName() {
        return label == null || label.isBlank() ? humanised(name) : label;
    }

    /** An identifier in words: hyphens, underscores and camel-case humps become spaces ("topK" → "top k"). */
    static String humanised(String identifier) {
        String words = identifier.replaceAll("([a-z0-9])([A-Z])", "$1 $2").replace('-', ' ').replace('_', ' ')
                .replaceAll("\\s+", " ").strip();
        return words.isEmpty() ? identifier : words.toLowerCase(java.util.Locale.ROOT);
    }

    /** Whether the parameter has an effect with these values of the others (always when unconditioned). */
    public boolean isUsed(java.util.Map<String, ?> values) {
        if (shownWhen == null) {
            return true;
        }
        Object v = values.get(shownWhen.parameter());
        return v == null || shownWhen.values().contains(v.toString());
    }

    public static ParameterSpec integer(String name, int min, int max, int def, String description) {
        return new ParameterSpec(name, Type.INT, min, max, def, List.of(), description);
    }

    public static ParameterSpec real(String name, double min, double max, double def, String description) {
        return new ParameterSpec(name, Type.DOUBLE, min, max, def, List.of(), description);
    }

    public static ParameterSpec bool(String name, boolean def, String description) {
        return new ParameterSpec(name, Type.BOOLEAN, 0, 1, def, List.of(), description);
    }

    public static ParameterSpec choice(String name, List<String> choices, String def, String description) {
        return new ParameterSpec(name, Type.CHOICE, 0, 0, def, List.copyOf(choices), description);
    }

    public static ParameterSpec intList(String name, int min, int max, String description) {
        return new ParameterSpec(name, Type.INT_LIST, min, max, new int[0], List.of(), description);
    }

    /** Human-readable valid range, e.g. "1..512", "[0.0, 1.0]", "one of mean, max". */
    public String validRange() {
        return switch (type) {
            case INT -> (long) min + ".." + (long) max;
            case DOUBLE -> "[" + min + ", " + max + "]";
            case BOOLEAN -> "true or false";
            case CHOICE -> "one of " + String.join(", ", choices);
            case INT_LIST -> "comma-separated integers in " + (long) min + ".." + (long) max;
        };
    }

    /**
     * Converts and checks a value (a String from the CLI or a typed value from the UI).
     *
     * @throws IllegalArgumentException naming the parameter and its valid range
     */
    public Object validate(Object value) {
        try {
            return switch (type) {
                case INT -> {
                    long v = value instanceof Number n ? checkWhole(n) : Long.parseLong(value.toString().trim());
                    if (v < min || v > max) {
                        throw bad(value);
                    }
                    yield (int) v;
                }
                case DOUBLE -> {
                    double v = value instanceof Number n ? n.doubleValue() : Double.parseDouble(value.toString().trim());
                    if (!(v >= min && v <= max)) {
                        throw bad(value);
                    }
                    yield v;
                }
                case BOOLEAN -> {
                    if (value instanceof Boolean b) {
                        yield b;
                    }
                    String s = value.toString().trim().toLowerCase();
                    if (!s.equals("true") && !s.equals("false")) {
                        throw bad(value);
                    }
                    yield Boolean.parseBoolean(s);
                }
                case CHOICE -> {
                    String s = value.toString().trim();
                    if (!choices.contains(s)) {
                        throw bad(value);
                    }
                    yield s;
                }
                case INT_LIST -> {
                    int[] list = value instanceof int[] a ? a.clone() : parseList(value.toString());
                    for (int v : list) {
                        if (v < min || v > max) {
                            throw bad(value);
                        }
                    }
                    yield list;
                }
            };
        } catch (NumberFormatException e) {
            throw bad(value);
        }
    }

    private long checkWhole(Number n) {
        double d = n.doubleValue();
        if (d != Math.rint(d)) {
            throw bad(n);
        }
        return (long) d;
    }

    private int[] parseList(String s) {
        String t = s.trim();
        if (t.isEmpty()) {
            return new int[0];
        }
        String[] parts = t.split(",", -1); // -1: a trailing comma leaves an empty item to refuse, not to drop
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].isBlank()) {
                throw new IllegalArgumentException("parameter '" + name + "' has an empty item (a comma too many) in '"
                        + t + "'; give " + validRange());
            }
            out[i] = Integer.parseInt(parts[i].trim());
        }
        return out;
    }

    private IllegalArgumentException bad(Object value) {
        String shown = value instanceof int[] a ? java.util.Arrays.toString(a) : String.valueOf(value);
        return new IllegalArgumentException("parameter '" + name + "' must be " + validRange() + ", was " + shown);
    }
}
