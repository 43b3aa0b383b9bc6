package org.kvscope.prompts;

import java.util.Arrays;
import java.util.List;

/** Register of a text: children's stories for tiny story models, essays for general models. */
public final class TextStyle {
    /** Simple TinyStories-like children's stories. */
    public static final String STORIES = "stories";
    /** Plain essay prose. */
    public static final String ESSAYS = "essays";
    /** All valid styles. */
    public static final List<String> ALL = List.of(STORIES, ESSAYS);

    private TextStyle() {}

    /** Returns {@code style} if valid, otherwise throws naming the valid styles. */
    public static String require(String style, String context) {
        if (!ALL.contains(style)) {
            throw new IllegalArgumentException(context + ": unknown style '" + style + "'; valid styles: "
                    + Arrays.toString(ALL.toArray()));
        }
        return style;
    }
}
