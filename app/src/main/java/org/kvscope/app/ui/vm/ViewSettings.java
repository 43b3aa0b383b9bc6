package org.kvscope.app.ui.vm;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import javafx.beans.property.Property;

/**
 * The analysis views' settings that a session saves (selected layer and head, heatmap scale,
 * PvC definition and k, token focus, budget-curve suite, …): named, typed and range-checked, so a
 * session file's {@code views} object is checked as a whole before anything is applied. The view
 * registers each setting with the property that holds it; values travel as text. A layer or head index
 * is also checked against the model's layer or head count when the model is known ({@link ModelLimits}).
 */
public final class ViewSettings {
    /** Which of the model's counts bounds a setting. */
    public enum ModelDimension { LAYERS, HEADS }

    /**
     * The layer and head counts of the model a session's settings will be shown on.
     *
     * @param model name of the model, for messages (its file name)
     */
    public record ModelLimits(String model, int layers, int heads) {
        int of(ModelDimension d) { return d == ModelDimension.LAYERS ? layers : heads; }
    }

    /**
     * One setting.
     *
     * @param name      key in the session file ({@code "pvc.k"})
     * @param validRange what values are valid, in words, for error messages
     * @param parse     text to value; throws IllegalArgumentException when invalid
     * @param format    value to text
     * @param property  where the value lives
     * @param afterRun  applied only once the session's prompt has been captured again (a capture resets it)
     * @param bound     the model count an index must stay below, or null
     */
    record Setting<T>(String name, String validRange, Function<String, T> parse, Function<T, String> format,
                      Property<T> property, boolean afterRun, ModelDimension bound) {
        String current() {
            return property.getValue() == null ? null : format.apply(property.getValue());
        }

        void apply(Object value) {
            @SuppressWarnings("unchecked") T v = (T) value;
            property.setValue(v);
        }
    }

    private final Map<String, Setting<?>> settings = new LinkedHashMap<>();

    /** An integer setting in {@code min..max}. */
    public void integer(String name, int min, int max, Property<Number> property) {
        integer(name, min, max, property, false, null);
    }

    /** Like {@link #integer}, applied after the session's prompt is captured again (a capture resets it). */
    public void integerAfterRun(String name, int min, int max, Property<Number> property) {
        integer(name, min, max, property, true, null);
    }

    /**
     * A layer or head index: {@code 0..max} when the model is unknown, below the model's count of {@code bound}
     * when it is known ({@link #check(Map, ModelLimits)}).
     */
    public void modelIndex(String name, ModelDimension bound, int max, Property<Number> property) {
        integer(name, 0, max, property, false, bound);
    }

    private void integer(String name, int min, int max, Property<Number> property, boolean afterRun,
                         ModelDimension bound) {
        add(new Setting<>(name, min + ".." + max, text -> {
            int v;
            try {
                v = Integer.parseInt(text.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a whole number");
            }
            if (v < min || v > max) {
                throw new IllegalArgumentException(v + " is out of range");
            }
            return (Number) v;
        }, n -> Integer.toString(n.intValue()), property, afterRun, bound));
    }

    /** A true/false setting. */
    public void bool(String name, Property<Boolean> property) {
        add(new Setting<>(name, "true or false", text -> switch (text.trim()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("not true or false");
        }, b -> Boolean.toString(b), property, false, null));
    }

    /**
     * A heatmap's zoom ({@link KeyRange}) with keys up to {@code max}; applied after the session's prompt is captured
     * again (the range is in the new capture's map cells).
     */
    public void keyRange(String name, int max, Property<KeyRange> property) {
        add(new Setting<>(name, "fit, or FROM..TO with 0 <= FROM < TO <= " + max, text -> KeyRange.parse(text, max),
                KeyRange::text, property, true, null));
    }

    /** One of {@code values}, saved by {@code id}. */
    public <T> void choice(String name, List<T> values, Function<T, String> id, Property<T> property) {
        List<String> ids = values.stream().map(id).toList();
        add(new Setting<>(name, "one of " + String.join(", ", ids), text -> {
            int i = ids.indexOf(text.trim());
            if (i < 0) {
                throw new IllegalArgumentException("'" + text + "' is not a choice");
            }
            return values.get(i);
        }, id, property, false, null));
    }

    private void add(Setting<?> s) {
        if (settings.putIfAbsent(s.name(), s) != null) {
            throw new IllegalStateException("view setting " + s.name() + " registered twice");
        }
    }

    /** The registered names, in registration order. */
    public List<String> names() { return List.copyOf(settings.keySet()); }

    /** Every setting's current value as text (settings without a value are left out). */
    public Map<String, String> save() {
        Map<String, String> out = new LinkedHashMap<>();
        settings.values().forEach(s -> {
            String v = s.current();
            if (v != null) {
                out.put(s.name(), v);
            }
        });
        return out;
    }

    /** {@link #check(Map, ModelLimits)} without a known model. */
    public Checked check(Map<String, String> saved) {
        return check(saved, null);
    }

    /**
     * Parses every value of a saved {@code views} object; nothing is applied.
     *
     * @param model the model the settings will be shown on, or null when it is not known (layer and head
     *              indices are then only checked against their fixed range)
     * @throws IllegalArgumentException "views.NAME: problem; valid: range" for the first bad entry
     */
    public Checked check(Map<String, String> saved, ModelLimits model) {
        Map<Setting<?>, Object> now = new LinkedHashMap<>(), later = new LinkedHashMap<>();
        if (saved != null) {
            for (Map.Entry<String, String> e : saved.entrySet()) {
                Setting<?> s = settings.get(e.getKey());
                if (s == null) {
                    throw new IllegalArgumentException("views." + e.getKey() + ": no such view setting; valid: "
                            + String.join(", ", settings.keySet()));
                }
                if (e.getValue() == null) {
                    throw new IllegalArgumentException("views." + e.getKey() + ": null; valid: " + s.validRange());
                }
                Object value;
                try {
                    value = s.parse().apply(e.getValue());
                } catch (IllegalArgumentException bad) {
                    throw new IllegalArgumentException("views." + e.getKey() + ": " + bad.getMessage() + "; valid: "
                            + s.validRange());
                }
                if (s.bound() != null && model != null && ((Number) value).intValue() >= model.of(s.bound())) {
                    int count = model.of(s.bound());
                    throw new IllegalArgumentException("views." + e.getKey() + ": " + value + " is out of range for "
                            + model.model() + " (" + count + " " + s.bound().name().toLowerCase() + "); valid: 0.."
                            + (count - 1));
                }
                (s.afterRun() ? later : now).put(s, value);
            }
        }
        return new Checked(now, later);
    }

    /** Checked values: those to apply at once and those to apply after the prompt is captured again. */
    public record Checked(Map<Setting<?>, Object> now, Map<Setting<?>, Object> afterRun) {
        /** Nothing to apply. */
        public static final Checked NONE = new Checked(Map.of(), Map.of());

        void applyNow() { now.forEach(Setting::apply); }

        void applyAfterRun() { afterRun.forEach(Setting::apply); }
    }
}
