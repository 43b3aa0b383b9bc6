package org.kvscope.prompts;

/**
 * One prompt of a teaching suite.
 *
 * @param file        resource path of the prompt text, e.g. {@code "teaching/sinks-repeated-lines.txt"}
 * @param description one line saying what to look for in the attention maps
 */
public record TeachingPrompt(String file, String description) {
    public TeachingPrompt {
        if (file == null || file.isBlank()) {
            throw new IllegalArgumentException("teaching prompt needs a 'file' resource path");
        }
        if (description == null || description.isBlank()) {
            throw new IllegalArgumentException("teaching prompt '" + file + "' needs a one-line 'description'");
        }
    }

    /** The prompt text. */
    public String text() {
        return SampleTexts.read(file).strip();
    }
}
