package org.kvscope.prompts;

import java.util.List;

/**
 * A text for perplexity runs.
 *
 * @param id   the resource path it was read from, e.g. {@code "perplexity/story-kite.txt"}
 * @param text the whole text, stripped
 */
public record PerplexityText(String id, String text) {
    /**
     * The texts of a perplexity suite.
     *
     * @throws IllegalArgumentException if the suite is not a perplexity suite or a text is missing
     */
    public static List<PerplexityText> load(SuiteDescriptor suite) {
        if (suite.kind() != SuiteKind.PERPLEXITY) {
            throw new IllegalArgumentException("suite '" + suite.id() + "' is a " + suite.kind()
                    + " suite, not a perplexity suite");
        }
        return suite.texts().stream().map(p -> new PerplexityText(p, SampleTexts.read(p).strip())).toList();
    }
}
