package org.kvscope.app.ui.vm;

/**
 * The keys a zoomed heatmap shows, {@code [from, to)} in map cells, or the whole map ({@link #WHOLE}); saved in
 * sessions as {@code "from..to"} or {@code "fit"}.
 */
public record KeyRange(boolean whole, int from, int to) {
    /** The whole map (the heatmap fitted). */
    public static final KeyRange WHOLE = new KeyRange(true, 0, 0);

    /** Keys {@code [from, to)}. */
    public static KeyRange of(int from, int to) {
        return new KeyRange(false, from, to);
    }

    /** "fit" or "from..to". */
    public String text() {
        return whole ? "fit" : from + ".." + to;
    }

    /**
     * Parses {@link #text()}.
     *
     * @throws IllegalArgumentException unless "fit" or "FROM..TO" with {@code 0 <= FROM < TO <= max}
     */
    public static KeyRange parse(String text, int max) {
        String t = text.trim();
        if (t.equals("fit")) {
            return WHOLE;
        }
        int dots = t.indexOf("..");
        int from, to;
        try {
            from = Integer.parseInt(dots < 0 ? "x" : t.substring(0, dots));
            to = Integer.parseInt(t.substring(dots + 2));
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            throw new IllegalArgumentException("'" + text + "' is not fit or FROM..TO");
        }
        if (from < 0 || to <= from || to > max) {
            throw new IllegalArgumentException(t + " is out of range");
        }
        return of(from, to);
    }
}
