package org.kvscope.prompts;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Splits plain prose (or one-sentence-per-line filler files) into sentences. */
public final class Sentences {
    /**
     * End of a sentence: . ! or ? with an optional closing quote, followed by the end of the text or by
     * whitespace and a character that is not a lower-case letter (so {@code "Hi!" said Tim.} stays whole).
     */
    private static final Pattern END = Pattern.compile("[.!?][\"'\u201d\u2019]?(?=\\s+[^\\p{Ll}]|\\s*$)");

    private Sentences() {}

    /**
     * Sentences of {@code text} with whitespace collapsed; blank lines and lines starting with
     * {@code #} are ignored. Text after the last sentence end is kept as a final sentence.
     */
    public static List<String> split(String text) {
        StringBuilder body = new StringBuilder();
        for (String line : text.split("\\R")) {
            String s = line.strip();
            if (!s.isEmpty() && !s.startsWith("#")) {
                body.append(s).append('\n');
            }
        }
        String flat = body.toString().replaceAll("\\s+", " ").strip();
        List<String> out = new ArrayList<>();
        Matcher m = END.matcher(flat);
        int start = 0;
        while (m.find()) {
            addIfPresent(out, flat.substring(start, m.end()));
            start = m.end();
        }
        addIfPresent(out, flat.substring(start));
        return List.copyOf(out);
    }

    private static void addIfPresent(List<String> out, String sentence) {
        String s = sentence.strip();
        if (!s.isEmpty()) {
            out.add(s);
        }
    }
}
