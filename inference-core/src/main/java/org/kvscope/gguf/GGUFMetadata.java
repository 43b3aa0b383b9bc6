package org.kvscope.gguf;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Key/value metadata of a GGUF file. Values map to Java as: 8/16/32-bit integers → Integer,
 * UINT32/INT64/UINT64 → Long, FLOAT32 → Float, FLOAT64 → Double, BOOL → Boolean, STRING → String;
 * arrays → String[], float[], double[], boolean[], int[] (8/16/32-bit), long[] (UINT32/64-bit)
 * or Object[] (arrays of arrays, elements mapped recursively).
 */
public final class GGUFMetadata {
    private final Map<String, Object> values;
    private final Map<String, GGUFValueType> types;

    GGUFMetadata(Map<String, Object> values, Map<String, GGUFValueType> types) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.types = Map.copyOf(types);
    }

    /** All entries in file order. */
    public Map<String, Object> asMap() { return values; }

    public boolean contains(String key) { return values.containsKey(key); }

    /** The value, or null when absent. */
    public Object get(String key) { return values.get(key); }

    /** The stored type (ARRAY for arrays), or null when absent. */
    public GGUFValueType typeOf(String key) { return types.get(key); }

    public String getString(String key) {
        return findString(key).orElseThrow(() -> missing(key, "string"));
    }

    public Optional<String> findString(String key) {
        Object v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof String s) {
            return Optional.of(s);
        }
        throw wrongType(key, "string", v);
    }

    public int getInt(String key) {
        long v = getLong(key);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("metadata '" + key + "' = " + v + " does not fit a 32-bit integer");
        }
        return (int) v;
    }

    public int getInt(String key, int defaultValue) {
        return values.containsKey(key) ? getInt(key) : defaultValue;
    }

    public long getLong(String key) {
        Object v = values.get(key);
        if (v == null) {
            throw missing(key, "integer");
        }
        if (v instanceof Integer || v instanceof Long) {
            return ((Number) v).longValue();
        }
        throw wrongType(key, "integer", v);
    }

    public float getFloat(String key) {
        Object v = values.get(key);
        if (v == null) {
            throw missing(key, "number");
        }
        if (v instanceof Number n && !(v instanceof Byte)) {
            return n.floatValue();
        }
        throw wrongType(key, "number", v);
    }

    public float getFloat(String key, float defaultValue) {
        return values.containsKey(key) ? getFloat(key) : defaultValue;
    }

    public boolean getBool(String key, boolean defaultValue) {
        Object v = values.get(key);
        if (v == null) {
            return defaultValue;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw wrongType(key, "bool", v);
    }

    public String[] getStringArray(String key) {
        return findStringArray(key).orElseThrow(() -> missing(key, "string array"));
    }

    public float[] getFloatArray(String key) {
        return findFloatArray(key).orElseThrow(() -> missing(key, "float array"));
    }

    public int[] getIntArray(String key) {
        return findIntArray(key).orElseThrow(() -> missing(key, "integer array"));
    }

    public Optional<String[]> findStringArray(String key) {
        return find(key, String[].class, "string array");
    }

    public Optional<float[]> findFloatArray(String key) {
        return find(key, float[].class, "float array");
    }

    public Optional<int[]> findIntArray(String key) {
        return find(key, int[].class, "integer array");
    }

    private <T> Optional<T> find(String key, Class<T> type, String what) {
        Object v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (type.isInstance(v)) {
            return Optional.of(type.cast(v));
        }
        throw wrongType(key, what, v);
    }

    private static IllegalArgumentException missing(String key, String what) {
        return new IllegalArgumentException("metadata '" + key + "' (" + what + ") is missing");
    }

    private static IllegalArgumentException wrongType(String key, String what, Object v) {
        return new IllegalArgumentException("metadata '" + key + "' should be a " + what + " but is a "
                + v.getClass().getSimpleName());
    }
}
