package org.kvscope.viz.view;

import java.util.Locale;
import java.util.function.DoubleSupplier;
import javafx.scene.chart.NumberAxis;
import javafx.util.StringConverter;

/**
 * Tick labels of a number axis with as many decimals as the tick unit needs ({@code 0.025} → three, {@code 0.5} →
 * one, {@code 10} → none), so floating-point noise never shows ({@code 0.30000000000000004} prints {@code 0.3}) and
 * zero never prints with a minus sign ({@code -0.000} prints {@code 0.000}). JavaFX's default formatter writes a
 * tick at {@code -1e-17} as {@code -0.000}.
 */
final class TickFormat extends StringConverter<Number> {
    /** Most decimals a label gets, whatever the tick unit. */
    static final int MAX_DECIMALS = 9;

    private final DoubleSupplier unit;
    /** Formats by decimals, made when first needed (an axis formats each label several times per layout). */
    private final java.text.DecimalFormat[] formats = new java.text.DecimalFormat[MAX_DECIMALS + 1];

    private TickFormat(DoubleSupplier unit) {
        this.unit = unit;
    }

    /** Installs the format on {@code axis} unless it already has a formatter of its own. */
    static void install(NumberAxis axis) {
        if (axis.getTickLabelFormatter() == null) {
            axis.setTickLabelFormatter(new TickFormat(axis::getTickUnit));
        }
    }

    /** {@code value} with the decimals {@code unit} needs, never {@code -0}. */
    static String format(double value, double unit) {
        return format(value, decimalFormat(decimals(unit)));
    }

    private static String format(double value, java.text.DecimalFormat format) {
        if (!Double.isFinite(value)) {
            return Double.toString(value);
        }
        String s = format.format(value);
        return s.startsWith("-") && s.chars().allMatch(c -> c == '-' || c == '0' || c == '.') ? s.substring(1) : s;
    }

    private static java.text.DecimalFormat decimalFormat(int decimals) {
        java.text.DecimalFormat f = new java.text.DecimalFormat("0", java.text.DecimalFormatSymbols.getInstance(
                Locale.ROOT));
        f.setMinimumFractionDigits(decimals);
        f.setMaximumFractionDigits(decimals);
        f.setRoundingMode(java.math.RoundingMode.HALF_EVEN);
        return f;
    }

    /**
     * Fewest decimals that write {@code unit} exactly (to a part in a billion), at most {@link #MAX_DECIMALS}; three
     * for a unit that is not a positive finite number.
     */
    static int decimals(double unit) {
        if (!(unit > 0) || !Double.isFinite(unit)) {
            return 3;
        }
        double scaled = unit;
        for (int d = 0; d < MAX_DECIMALS; d++) {
            if (Math.abs(scaled - Math.rint(scaled)) <= 1e-9 * Math.max(1, scaled)) {
                return d;
            }
            scaled *= 10;
        }
        return MAX_DECIMALS;
    }

    /** Fewest decimals that write {@code value} exactly (to a part in a billion); none for zero. */
    static int valueDecimals(double value) {
        return value == 0 || !Double.isFinite(value) ? 0 : decimals(Math.abs(value));
    }

    @Override
    public String toString(Number n) {
        if (n == null) {
            return "";
        }
        // While the axis picks its tick unit it measures labels of candidate units with this formatter, before
        // getTickUnit() changes: the value's own decimals keep those widths right (a 5 → 0.025 change printed
        // "0" then laid out "0.025" under the axis name); the unit's keep one count of decimals along the axis.
        int d = Math.max(valueDecimals(n.doubleValue()), decimals(unit.getAsDouble()));
        if (formats[d] == null) {
            formats[d] = decimalFormat(d);
        }
        return format(n.doubleValue(), formats[d]);
    }

    @Override
    public Number fromString(String s) {
        return Double.valueOf(s);
    }
}
