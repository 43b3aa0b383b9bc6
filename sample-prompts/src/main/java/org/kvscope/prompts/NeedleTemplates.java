package org.kvscope.prompts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The bundled needle templates ({@code needles/templates.json}). */
public final class NeedleTemplates {
    static final String RESOURCE = "needles/templates.json";
    private static volatile List<NeedleTemplate> all;

    private NeedleTemplates() {}

    /** All bundled templates in file order. */
    public static List<NeedleTemplate> all() {
        List<NeedleTemplate> cached = all;
        if (cached == null) {
            cached = parse(SampleTexts.read(RESOURCE), RESOURCE);
            all = cached;
        }
        return cached;
    }

    /** Templates of one style ({@code stories} or {@code essays}). */
    public static List<NeedleTemplate> forStyle(String style) {
        TextStyle.require(style, "needle templates");
        return all().stream().filter(t -> t.style().equals(style)).toList();
    }

    /**
     * The template with this id.
     *
     * @throws IllegalArgumentException naming the valid ids if none matches
     */
    public static NeedleTemplate byId(String id) {
        return all().stream().filter(t -> t.id().equals(id)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("unknown needle template id '" + id + "'; valid ids: "
                        + all().stream().map(NeedleTemplate::id).toList()));
    }

    /** Parses a JSON array of templates, rejecting duplicate ids. */
    public static List<NeedleTemplate> parse(String json, String source) {
        List<NeedleTemplate> list;
        try {
            list = List.copyOf(Suites.JSON.readValue(json, new TypeReference<List<NeedleTemplate>>() {}));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("invalid needle templates " + source + ": " + e.getOriginalMessage(), e);
        }
        Set<String> seen = new HashSet<>();
        for (NeedleTemplate t : list) {
            if (!seen.add(t.id())) {
                throw new IllegalArgumentException(source + ": duplicate needle template id '" + t.id() + "'");
            }
        }
        return list;
    }
}
