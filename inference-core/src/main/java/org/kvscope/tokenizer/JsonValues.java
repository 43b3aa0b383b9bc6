package org.kvscope.tokenizer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kvscope.gguf.PrintableText;

/**
 * Reads a JSON document with Jackson's streaming parser into plain values: objects become
 * {@code LinkedHashMap<String,Object>}, arrays {@code ArrayList<Object>}, integral numbers
 * {@code Long} (or {@code Double} beyond a long), other numbers {@code Double}, plus String,
 * Boolean and null. Malformed input raises an {@link IllegalArgumentException} naming line and column.
 */
final class JsonValues {
    /** Real tokenizer.json files hold strings (merge lists, regexes) far longer than Jackson's default limits allow for. */
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE)
                    .maxNestingDepth(10_000).build())
            .build();

    private JsonValues() {}

    /** Parses a complete JSON document. */
    static Object parse(String text) {
        try (JsonParser p = FACTORY.createParser(text)) {
            if (p.nextToken() == null) {
                throw new IllegalArgumentException("invalid JSON at line 1, column 1: the document is empty");
            }
            Object value = read(p);
            if (p.nextToken() != null) {
                throw error(p, "unexpected trailing content after the JSON value");
            }
            return value;
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            throw new IllegalArgumentException("invalid JSON at line " + (at == null ? "?" : at.getLineNr())
                    + ", column " + (at == null ? "?" : at.getColumnNr()) + ": "
                    + PrintableText.escape(e.getOriginalMessage(), 200), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("invalid JSON: " + e.getMessage(), e);
        }
    }

    /** The value starting at the parser's current token. */
    private static Object read(JsonParser p) throws IOException {
        JsonToken token = p.currentToken();
        return switch (token) {
            case START_OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                for (String key = p.nextFieldName(); key != null; key = p.nextFieldName()) {
                    p.nextToken();
                    map.put(key, read(p));
                }
                yield map;
            }
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    list.add(read(p));
                }
                yield list;
            }
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT -> p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                    ? (Object) p.getDoubleValue() : (Object) p.getLongValue();
            case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw error(p, "unexpected " + token);
        };
    }

    private static IllegalArgumentException error(JsonParser p, String what) {
        var at = p.currentLocation();
        return new IllegalArgumentException("invalid JSON at line " + at.getLineNr() + ", column " + at.getColumnNr()
                + ": " + what);
    }
}
