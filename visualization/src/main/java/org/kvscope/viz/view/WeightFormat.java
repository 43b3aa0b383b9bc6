package org.kvscope.viz.view;

import java.util.Locale;

/** Formats attention weights and token text for read-outs and axes. */
public final class WeightFormat {
    /** Below this magnitude weights are written in scientific notation. */
    public static final double SCIENTIFIC_BELOW = 1e-3;

    private WeightFormat() {
    }

    /** {@code 0.250}, {@code 1.84e-04}, {@code 0}; NaN as {@code n/a}. */
    public static String weight(double w) {
        if (Double.isNaN(w)) {
            return "n/a";
        }
        if (w == 0) {
            return "0";
        }
        if (Math.abs(w) < SCIENTIFIC_BELOW) {
            return String.format(Locale.ROOT, "%.2e", w);
        }
        return String.format(Locale.ROOT, "%.3f", w);
    }

    /** A short tick label: {@code 0.5}, {@code 0.25}, {@code 1e-03}. */
    public static String tick(double w) {
        if (w == 0) {
            return "0";
        }
        if (Math.abs(w) < SCIENTIFIC_BELOW) {
            return String.format(Locale.ROOT, "%.0e", w);
        }
        String s = String.format(Locale.ROOT, "%.3f", w);
        s = s.contains(".") ? s.replaceAll("0+$", "") : s;
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    /** Token text with control characters escaped and at most {@code max} characters (an ellipsis marks a cut). */
    public static String token(String token, int max) {
        String s = token.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r");
        if (max < 2) {
            return s.isEmpty() ? "" : "…";
        }
        return s.length() > max ? s.substring(0, max - 1) + "…" : s;
    }
}
