package org.kvscope.viz.view;

import java.util.Locale;

/** Binary byte units (B, KiB, MiB, GiB, TiB) for memory axes and labels. */
public enum ByteFormat {
    B(1L), KiB(1L << 10), MiB(1L << 20), GiB(1L << 30), TiB(1L << 40);

    private final long bytes;

    ByteFormat(long bytes) {
        this.bytes = bytes;
    }

    /** Bytes in one unit. */
    public long bytes() {
        return bytes;
    }

    /** The largest unit not exceeding {@code maxBytes} (B for values below 1 KiB). */
    public static ByteFormat unitFor(double maxBytes) {
        ByteFormat unit = B;
        for (ByteFormat u : values()) {
            if (maxBytes >= u.bytes) {
                unit = u;
            }
        }
        return unit;
    }

    /** Formats bytes with the fitting unit and at most two decimals, e.g. {@code 1.5 MiB}, {@code 512 B}. */
    public static String format(double bytes) {
        ByteFormat unit = unitFor(Math.abs(bytes));
        return unit.formatIn(bytes);
    }

    /** Formats bytes in this unit with at most two decimals, dropping trailing zeros. */
    public String formatIn(double bytesValue) {
        String s = String.format(Locale.ROOT, "%.2f", bytesValue / bytes);
        s = s.replaceAll("0+$", "");
        if (s.endsWith(".")) {
            s = s.substring(0, s.length() - 1);
        }
        return (s.equals("-0") ? "0" : s) + " " + name();
    }
}
