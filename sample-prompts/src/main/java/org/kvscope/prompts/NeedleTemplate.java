package org.kvscope.prompts;

/**
 * A fact to plant in a haystack and the prefix that recalls it.
 *
 * @param id       unique id, e.g. {@code "dog-name-spot"}
 * @param style    {@code stories} or {@code essays}
 * @param setup    the needle sentences, e.g. "Lily had a little dog. The dog's name was Spot."
 * @param question a prefix the model completes by recall, e.g. "The dog's name was"
 * @param answer   the expected continuation including its leading space, e.g. " Spot"
 */
public record NeedleTemplate(String id, String style, String setup, String question, String answer) {
    public NeedleTemplate {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("needle template needs a non-blank 'id'");
        }
        TextStyle.require(style, "needle template '" + id + "'");
        for (String[] field : new String[][] {{"setup", setup}, {"question", question}, {"answer", answer}}) {
            if (field[1] == null || field[1].isBlank()) {
                throw new IllegalArgumentException("needle template '" + id + "' needs a non-blank '" + field[0] + "'");
            }
        }
        if (!setup.contains(answer.strip())) {
            throw new IllegalArgumentException("needle template '" + id + "': setup must state the answer '"
                    + answer.strip() + "'");
        }
    }

    /** The answer without surrounding whitespace, used to keep it out of the filler. */
    public String answerWord() {
        return answer.strip();
    }
}
