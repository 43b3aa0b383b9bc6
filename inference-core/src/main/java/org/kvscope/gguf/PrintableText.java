package org.kvscope.gguf;

/**
 * Makes text read from a file safe to put in an error message: at most {@link #MAX_CHARS}
 * characters, and every control or otherwise unprintable character escaped, so a corrupt length
 * field cannot pour megabytes of raw bytes (NULs, terminal escape codes) onto the user's terminal.
 */
public final class PrintableText {
    /** Most characters of file content one message quotes. */
    public static final int MAX_CHARS = 80;

    private PrintableText() {}

    /** {@code 'text'} when short and printable; else escaped, cut, and its full length given. */
    public static String quote(String text) {
        String escaped = escape(text, MAX_CHARS);
        boolean cut = text != null && escaped.length() > MAX_CHARS;
        return "'" + escaped + "'" + (cut ? " (" + text.length() + " characters)" : "");
    }

    /**
     * The text with non-printable characters escaped ({@code \n}, {@code \t}, {@code \xNN},
     * {@code \}{@code uNNNN}) and cut after about {@code max} characters of output, with "…" at a cut.
     */
    public static String escape(String text, int max) {
        return escape(text, max, true);
    }

    /**
     * As {@link #escape(String, int)}, but a backslash stays as it is: for a whole message, which may
     * already quote file content escaped by {@link #quote} (escaping it again would show {@code \\x00}).
     */
    public static String escapeUnprintable(String text, int max) {
        return escape(text, max, false);
    }

    private static String escape(String text, int max, boolean backslash) {
        if (text == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder(Math.min(text.length(), max) + 8);
        int i = 0;
        for (; i < text.length() && sb.length() < max; i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\\' -> sb.append(backslash ? "\\\\" : "\\");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\x%02X", (int) c));
                    } else if (!printable(c)) {
                        sb.append(String.format("\\u%04X", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        if (i < text.length()) {
            sb.append('…');
        }
        return sb.toString();
    }

    private static boolean printable(char c) {
        if (Character.isSurrogate(c)) {
            return true; // pairs are printed as they are; a lone surrogate is harmless in a message
        }
        return switch (Character.getType(c)) {
            case Character.CONTROL, Character.FORMAT, Character.UNASSIGNED, Character.PRIVATE_USE,
                 Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> false;
            default -> true;
        };
    }
}
