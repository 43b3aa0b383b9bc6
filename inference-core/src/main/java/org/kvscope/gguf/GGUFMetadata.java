package org.kvscope.gguf;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The key/value metadata of a GGUF file, in file order.
 *
 * <p>Java classes of the values: UINT8, INT8, UINT16, INT16, INT32 &rarr; {@link Integer};
 * UINT32, INT64, UINT64 &rarr; {@link Long} (UINT64 keeps its raw 64 bits); FLOAT32 &rarr;
 * {@link Float}; FLOAT64 &rarr; {@link Double}; BOOL &rarr; {@link Boolean}; STRING &rarr;
 * {@link String}. Arrays: of STRING &rarr; {@code String[]}; of FLOAT32 &rarr; {@code float[]};
 * of FLOAT64 &rarr; {@code double[]}; of BOOL &rarr; {@code boolean[]}; of UINT8, INT8, UINT16,
 * INT16, INT32 &rarr; {@code int[]}; of UINT32, INT64, UINT64 &rarr; {@code long[]}; of ARRAY
 * &rarr; {@code Object[]} whose elements are mapped the same way.
 *
 * <p>{@link #get} and {@link #asMap} return the stored arrays, which callers must not modify;
 * the typed array getters return copies. Typed getters throw {@link IllegalArgumentException}
 * naming the key when it is absent or has an incompatible type; the {@code find...} variants
 * return empty only when the key is absent.
 */
public final class GGUFMetadata {

    private final Map<String, MetadataEntry> entries;
    private Map<String, Object> values;

    GGUFMetadata(LinkedHashMap<String, MetadataEntry> entries) {
        this.entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }

    /**
     * All keys and values in file order; unmodifiable. Arrays of strings are decoded from the file's mapping
     * on the first call (or the first {@link #get} of one), so call it while the file is open.
     */
    public synchronized Map<String, Object> asMap() {
        if (values == null) {
            LinkedHashMap<String, Object> v = new LinkedHashMap<>();
            entries.forEach((k, e) -> v.put(k, e.value()));
            values = Collections.unmodifiableMap(v);
        }
        return values;
    }

    /** The number of elements of an ARRAY value, or empty if the key is absent or not an array; decodes nothing. */
    public OptionalInt findArrayLength(String key) {
        MetadataEntry e = entries.get(key);
        return e == null || e.type() != GGUFValueType.ARRAY ? OptionalInt.empty() : OptionalInt.of(e.arrayLength());
    }

    /** Number of keys. */
    public int size() { return entries.size(); }

    /** True if the key is present. */
    public boolean contains(String key) { return entries.containsKey(key); }

    /** The stored value, or null if the key is absent. */
    public Object get(String key) {
        MetadataEntry e = entries.get(key);
        return e == null ? null : e.value();
    }

    /** The stored type (ARRAY for arrays), or null if the key is absent. */
    public GGUFValueType typeOf(String key) {
        MetadataEntry e = entries.get(key);
        return e == null ? null : e.type();
    }

    /** The element type of an array value, or null if the key is absent or not an array. */
    public GGUFValueType arrayElementType(String key) {
        MetadataEntry e = entries.get(key);
        return e == null ? null : e.elementType();
    }

    /** A STRING value. */
    public String getString(String key) {
        MetadataEntry e = require(key);
        if (e.value() instanceof String s) {
            return s;
        }
        throw wrongType(key, e, "STRING");
    }

    /** A STRING value, or empty if the key is absent. */
    public Optional<String> findString(String key) {
        return contains(key) ? Optional.of(getString(key)) : Optional.empty();
    }

    /** A value of any integer type that fits in an int. */
    public int getInt(String key) {
        long v = getLong(key);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("metadata key " + PrintableText.quote(key) + " holds " + v
                    + ", outside the int range " + Integer.MIN_VALUE + ".." + Integer.MAX_VALUE);
        }
        return (int) v;
    }

    /** Like {@link #getInt(String)}, or {@code defaultValue} if the key is absent. */
    public int getInt(String key, int defaultValue) {
        return contains(key) ? getInt(key) : defaultValue;
    }

    /** A value of any integer type that fits in a long (UINT64 values above 2^63-1 do not). */
    public long getLong(String key) {
        MetadataEntry e = require(key);
        if (!e.type().isInteger()) {
            throw wrongType(key, e, "an integer type");
        }
        long v = ((Number) e.value()).longValue();
        if (e.type() == GGUFValueType.UINT64 && v < 0) {
            throw new IllegalArgumentException("metadata key " + PrintableText.quote(key) + " holds UINT64 "
                    + Long.toUnsignedString(v) + ", above the long maximum " + Long.MAX_VALUE);
        }
        return v;
    }

    /** Like {@link #getLong(String)}, or {@code defaultValue} if the key is absent. */
    public long getLong(String key, long defaultValue) {
        return contains(key) ? getLong(key) : defaultValue;
    }

    /** A value of any numeric type, converted to float. */
    public float getFloat(String key) {
        MetadataEntry e = require(key);
        if (!e.type().isNumeric()) {
            throw wrongType(key, e, "a numeric type");
        }
        if (e.type() == GGUFValueType.UINT64) {
            return (float) unsignedToDouble((Long) e.value());
        }
        return ((Number) e.value()).floatValue();
    }

    /** Like {@link #getFloat(String)}, or {@code defaultValue} if the key is absent. */
    public float getFloat(String key, float defaultValue) {
        return contains(key) ? getFloat(key) : defaultValue;
    }

    /** A BOOL value. */
    public boolean getBool(String key) {
        MetadataEntry e = require(key);
        if (e.value() instanceof Boolean b) {
            return b;
        }
        throw wrongType(key, e, "BOOL");
    }

    /** Like {@link #getBool(String)}, or {@code defaultValue} if the key is absent. */
    public boolean getBool(String key, boolean defaultValue) {
        return contains(key) ? getBool(key) : defaultValue;
    }

    /** A copy of an ARRAY of STRING. */
    public String[] getStringArray(String key) {
        MetadataEntry e = require(key);
        if (e.value() instanceof String[] a) {
            return a.clone();
        }
        throw wrongType(key, e, "ARRAY of STRING");
    }

    /** A copy of an array of any numeric element type, converted to float. */
    public float[] getFloatArray(String key) {
        MetadataEntry e = require(key);
        switch (e.value()) {
            case float[] a -> {
                return a.clone();
            }
            case double[] a -> {
                float[] r = new float[a.length];
                for (int i = 0; i < a.length; i++) {
                    r[i] = (float) a[i];
                }
                return r;
            }
            case int[] a -> {
                float[] r = new float[a.length];
                for (int i = 0; i < a.length; i++) {
                    r[i] = a[i];
                }
                return r;
            }
            case long[] a -> {
                boolean unsigned = e.elementType() == GGUFValueType.UINT64;
                float[] r = new float[a.length];
                for (int i = 0; i < a.length; i++) {
                    r[i] = unsigned ? (float) unsignedToDouble(a[i]) : a[i];
                }
                return r;
            }
            default -> throw wrongType(key, e, "an ARRAY of a numeric type");
        }
    }

    /** A copy of an array of any integer element type whose values all fit in an int. */
    public int[] getIntArray(String key) {
        MetadataEntry e = require(key);
        switch (e.value()) {
            case int[] a -> {
                return a.clone();
            }
            case long[] a -> {
                boolean unsigned = e.elementType() == GGUFValueType.UINT64;
                int[] r = new int[a.length];
                for (int i = 0; i < a.length; i++) {
                    long v = a[i];
                    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE || (unsigned && v < 0)) {
                        throw new IllegalArgumentException("metadata key " + PrintableText.quote(key) + " element " + i + " is "
                                + (unsigned ? Long.toUnsignedString(v) : Long.toString(v))
                                + ", outside the int range " + Integer.MIN_VALUE + ".." + Integer.MAX_VALUE);
                    }
                    r[i] = (int) v;
                }
                return r;
            }
            default -> throw wrongType(key, e, "an ARRAY of an integer type");
        }
    }

    /** Like {@link #getStringArray(String)}, or empty if the key is absent. */
    public Optional<String[]> findStringArray(String key) {
        return contains(key) ? Optional.of(getStringArray(key)) : Optional.empty();
    }

    /** Like {@link #getFloatArray(String)}, or empty if the key is absent. */
    public Optional<float[]> findFloatArray(String key) {
        return contains(key) ? Optional.of(getFloatArray(key)) : Optional.empty();
    }

    /** Like {@link #getIntArray(String)}, or empty if the key is absent. */
    public Optional<int[]> findIntArray(String key) {
        return contains(key) ? Optional.of(getIntArray(key)) : Optional.empty();
    }

    /** The stored entry, or null if the key is absent. */
    MetadataEntry entry(String key) {
        return entries.get(key);
    }

    @Override
    public String toString() {
        return "GGUFMetadata" + entries.keySet();
    }

    private MetadataEntry require(String key) {
        MetadataEntry e = entries.get(key);
        if (e == null) {
            throw new IllegalArgumentException("metadata key " + PrintableText.quote(key) + " is missing");
        }
        return e;
    }

    private static IllegalArgumentException wrongType(String key, MetadataEntry e, String expected) {
        return new IllegalArgumentException("metadata key " + PrintableText.quote(key) + " has type " + e.describeType()
                + ", expected " + expected);
    }

    static double unsignedToDouble(long v) {
        return v >= 0 ? v : ((double) (v >>> 1)) * 2.0 + (v & 1);
    }
}
