package org.kvscope.app.report;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.util.Map;

/**
 * Indented JSON of plain report values (maps with string keys, lists, primitive and object arrays,
 * strings, numbers, booleans, null) through Jackson's streaming generator: the text Jackson's
 * {@code ObjectMapper} with {@code INDENT_OUTPUT} writes for them, without its serializer lookup
 * and introspection (about a tenth of a cold {@code analyze}'s wall time, issue 16).
 */
public final class PlainJson {
    private static final JsonFactory FACTORY = new JsonFactory();

    private PlainJson() {}

    /** Whether {@link #write} covers {@code value} and everything inside it. */
    public static boolean covers(Object value) {
        return switch (value) {
            case null -> true;
            case String s -> true;
            case Boolean b -> true;
            case Integer i -> true;
            case Long l -> true;
            case Double d -> true;
            case Float f -> true;
            case int[] a -> true;
            case long[] a -> true;
            case double[] a -> true;
            case float[] a -> true;
            case Object[] a -> allCovered(java.util.Arrays.asList(a));
            case java.util.List<?> list -> allCovered(list);
            case Map<?, ?> map -> map.keySet().stream().allMatch(k -> k instanceof String) && allCovered(map.values());
            default -> false;
        };
    }

    private static boolean allCovered(Iterable<?> values) {
        for (Object v : values) {
            if (!covers(v)) {
                return false;
            }
        }
        return true;
    }

    /** Indented JSON of a value {@link #covers} accepts. */
    static String write(Object value) throws IOException {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.useDefaultPrettyPrinter();
            write(g, value);
        }
        return out.toString();
    }

    private static void write(JsonGenerator g, Object value) throws IOException {
        switch (value) {
            case null -> g.writeNull();
            case String s -> g.writeString(s);
            case Boolean b -> g.writeBoolean(b);
            case Integer i -> g.writeNumber(i);
            case Long l -> g.writeNumber(l);
            case Double d -> g.writeNumber(d);
            case Float f -> g.writeNumber(f);
            case int[] a -> g.writeArray(a, 0, a.length);
            case long[] a -> g.writeArray(a, 0, a.length);
            case double[] a -> g.writeArray(a, 0, a.length);
            case float[] a -> {
                g.writeStartArray(a, a.length);
                for (float f : a) {
                    g.writeNumber(f);
                }
                g.writeEndArray();
            }
            case Object[] a -> {
                g.writeStartArray(a, a.length);
                for (Object o : a) {
                    write(g, o);
                }
                g.writeEndArray();
            }
            case java.util.List<?> list -> {
                g.writeStartArray(list, list.size());
                for (Object o : list) {
                    write(g, o);
                }
                g.writeEndArray();
            }
            case Map<?, ?> map -> {
                g.writeStartObject(map);
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    g.writeFieldName((String) e.getKey());
                    write(g, e.getValue());
                }
                g.writeEndObject();
            }
            default -> throw new IllegalArgumentException("not a plain JSON value: " + value.getClass().getName());
        }
    }
}
