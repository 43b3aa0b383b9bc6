package org.kvscope.tokenizer;

import java.util.List;
import java.util.Map;

/** Typed reads of GGUF metadata values, accepting the Java shapes a GGUF reader may produce. */
final class MetadataValues {
    private MetadataValues() {}

    private static final long UINT32_MAX = 0xFFFF_FFFFL;

    static String string(Map<String, Object> md, String key, boolean required) {
        Object v = md.get(key);
        if (v == null) {
            if (required) {
                throw new IllegalArgumentException("GGUF metadata lacks " + key);
            }
            return null;
        }
        if (v instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException(key + " must be a string, got " + typeName(v));
    }

    /** A token id; absent, negative or the uint32 "none" marker (0xFFFFFFFF) give -1. */
    static int tokenId(Map<String, Object> md, String key) {
        Object v = md.get(key);
        if (v == null) {
            return -1;
        }
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException(key + " must be a number, got " + typeName(v));
        }
        long id = n.longValue();
        if (id < 0 || id == UINT32_MAX || id > Integer.MAX_VALUE) {
            return -1;
        }
        return (int) id;
    }

    static boolean flag(Map<String, Object> md, String key, boolean fallback) {
        Object v = md.get(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof Number n) {
            return n.longValue() != 0;
        }
        throw new IllegalArgumentException(key + " must be a boolean, got " + typeName(v));
    }

    static String[] strings(Map<String, Object> md, String key, boolean required) {
        Object v = md.get(key);
        if (v == null) {
            if (required) {
                throw new IllegalArgumentException("GGUF metadata lacks " + key);
            }
            return null;
        }
        if (v instanceof String[] a) {
            return a.clone();
        }
        Object[] items = objects(key, v);
        String[] out = new String[items.length];
        for (int i = 0; i < items.length; i++) {
            if (!(items[i] instanceof String s)) {
                throw new IllegalArgumentException(key + "[" + i + "] must be a string, got " + typeName(items[i]));
            }
            out[i] = s;
        }
        return out;
    }

    static float[] floats(Map<String, Object> md, String key) {
        Object v = md.get(key);
        if (v == null) {
            return null;
        }
        if (v instanceof float[] a) {
            return a.clone();
        }
        if (v instanceof double[] a) {
            float[] out = new float[a.length];
            for (int i = 0; i < a.length; i++) {
                out[i] = (float) a[i];
            }
            return out;
        }
        Object[] items = objects(key, v);
        float[] out = new float[items.length];
        for (int i = 0; i < items.length; i++) {
            out[i] = number(key, i, items[i]).floatValue();
        }
        return out;
    }

    static int[] ints(Map<String, Object> md, String key) {
        Object v = md.get(key);
        if (v == null) {
            return null;
        }
        if (v instanceof int[] a) {
            return a.clone();
        }
        if (v instanceof long[] a) {
            int[] out = new int[a.length];
            for (int i = 0; i < a.length; i++) {
                out[i] = Math.toIntExact(a[i]);
            }
            return out;
        }
        if (v instanceof short[] a) {
            int[] out = new int[a.length];
            for (int i = 0; i < a.length; i++) {
                out[i] = a[i];
            }
            return out;
        }
        if (v instanceof byte[] a) {
            int[] out = new int[a.length];
            for (int i = 0; i < a.length; i++) {
                out[i] = a[i];
            }
            return out;
        }
        Object[] items = objects(key, v);
        int[] out = new int[items.length];
        for (int i = 0; i < items.length; i++) {
            out[i] = number(key, i, items[i]).intValue();
        }
        return out;
    }

    private static Object[] objects(String key, Object v) {
        if (v instanceof Object[] a) {
            return a;
        }
        if (v instanceof List<?> l) {
            return l.toArray();
        }
        throw new IllegalArgumentException(key + " must be an array, got " + typeName(v));
    }

    private static Number number(String key, int i, Object v) {
        if (v instanceof Number n) {
            return n;
        }
        throw new IllegalArgumentException(key + "[" + i + "] must be a number, got " + typeName(v));
    }

    private static String typeName(Object v) {
        return v == null ? "null" : v.getClass().getSimpleName();
    }
}
