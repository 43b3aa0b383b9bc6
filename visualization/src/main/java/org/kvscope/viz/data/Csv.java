package org.kvscope.viz.data;

import java.util.Locale;

/** Small helpers for writing RFC 4180 style CSV fields. */
public final class Csv {
    private Csv() {
    }

    /**
     * Quotes a text field when it contains a comma, quote, CR or LF or starts or ends with whitespace (so that
     * token pieces such as {@code " dog"} survive readers that trim); doubles embedded quotes.
     */
    public static String text(String value) {
        if (value == null) {
            return "";
        }
        boolean needsQuotes = value.indexOf(',') >= 0 || value.indexOf('"') >= 0
                || value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0
                || !value.isEmpty() && (Character.isWhitespace(value.charAt(0))
                        || Character.isWhitespace(value.charAt(value.length() - 1)));
        return needsQuotes ? '"' + value.replace("\"", "\"\"") + '"' : value;
    }

    /** Formats a number with up to 6 significant decimals, locale independent; NaN becomes an empty field. */
    public static String number(double value) {
        if (Double.isNaN(value)) {
            return "";
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        String s = String.format(Locale.ROOT, "%.6g", value);
        if (s.contains("e") || s.contains("E")) {
            return s;
        }
        if (s.indexOf('.') >= 0) {
            s = s.replaceAll("0+$", "");
            if (s.endsWith(".")) {
                s = s.substring(0, s.length() - 1);
            }
        }
        return s;
    }

    /** Joins already formatted fields with commas and terminates the line. */
    public static String line(String... fields) {
        return String.join(",", fields) + "\n";
    }
}
