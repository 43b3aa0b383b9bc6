package org.kvscope.prompts;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.List;

/** The bundled suite descriptors ({@code suites/*.json}). */
public final class Suites {
    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();
    private static volatile List<SuiteDescriptor> all;

    private Suites() {}

    /** All bundled suites, sorted by id. */
    public static List<SuiteDescriptor> all() {
        List<SuiteDescriptor> cached = all;
        if (cached == null) {
            cached = SampleTexts.list("suites").stream().filter(p -> p.endsWith(".json"))
                    .map(Suites::load).toList();
            all = cached;
        }
        return cached;
    }

    /** Ids of all bundled suites. */
    public static List<String> ids() {
        return all().stream().map(SuiteDescriptor::id).toList();
    }

    /**
     * The suite with this id.
     *
     * @throws IllegalArgumentException naming the valid ids if none matches
     */
    public static SuiteDescriptor byId(String id) {
        return all().stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("unknown suite id '" + id + "'; valid ids: " + ids()));
    }

    /** Parses one descriptor resource; its id must match the file name. */
    static SuiteDescriptor load(String resourcePath) {
        SuiteDescriptor suite = parse(SampleTexts.read(resourcePath), resourcePath);
        String expected = resourcePath.substring(resourcePath.lastIndexOf('/') + 1, resourcePath.length() - 5);
        if (!suite.id().equals(expected)) {
            throw new IllegalArgumentException(resourcePath + ": id '" + suite.id() + "' must equal the file name '"
                    + expected + "'");
        }
        return suite;
    }

    /** Parses descriptor JSON; {@code source} names it in error messages. */
    public static SuiteDescriptor parse(String json, String source) {
        try {
            return JSON.readValue(json, SuiteDescriptor.class);
        } catch (JsonProcessingException e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            String why = root instanceof IllegalArgumentException ? root.getMessage() : e.getOriginalMessage();
            throw new IllegalArgumentException("invalid suite descriptor " + source + ": " + why, e);
        }
    }
}
