package org.kvscope.viz;

import javafx.scene.paint.Color;

/** Colour scales and value-to-[0,1] mappings shared by all views. */
public final class ColorScales {

    /** How values are mapped onto a colour scale. */
    public enum Mapping {
        /** Proportional to the value. */
        LINEAR,
        /** Proportional to log10 of the value over {@link #LOG_DECADES} decades below the maximum. */
        LOG
    }

    /** Decades shown by {@link Mapping#LOG}: values below {@code max / 10^LOG_DECADES} get the lowest colour. */
    public static final int LOG_DECADES = 4;

    /**
     * Perceptual dark-violet → blue → teal → green → yellow scale (monotonic lightness, colour-blind friendly),
     * defined by the anchors below.
     */
    public static final ColorScale VIRIDIS = ColorScale.interpolate("viridis-like", new double[][] {
            {0.267, 0.005, 0.329},
            {0.275, 0.194, 0.496},
            {0.212, 0.359, 0.552},
            {0.153, 0.498, 0.558},
            {0.122, 0.631, 0.533},
            {0.290, 0.761, 0.428},
            {0.622, 0.854, 0.226},
            {0.993, 0.906, 0.144}});

    /** White → amber → red → dark red, for "more is worse" quantities such as token NLL. */
    public static final ColorScale HEAT = ColorScale.interpolate("heat", new double[][] {
            {1.000, 1.000, 1.000},
            {1.000, 0.878, 0.600},
            {0.957, 0.490, 0.247},
            {0.741, 0.114, 0.153}});

    /** Blue → white → red, centred on 0.5, for signed quantities. */
    public static final ColorScale DIVERGING = ColorScale.interpolate("diverging", new double[][] {
            {0.192, 0.380, 0.690},
            {1.000, 1.000, 1.000},
            {0.753, 0.188, 0.169}});

    /**
     * Orange → light grey → blue, for "share that succeeded" (0 = orange, 1 = blue): colour-blind safe, unlike
     * red/green, and both ends stay light enough for dark text.
     */
    public static final ColorScale ORANGE_BLUE = ColorScale.interpolate("orange-blue", new double[][] {
            {0.953, 0.647, 0.318},
            {0.925, 0.929, 0.941},
            {0.424, 0.667, 0.878}});

    private static final Color[] CATEGORICAL = {
        Color.web("#3b6fb6"), Color.web("#e07b39"), Color.web("#3a9b5c"), Color.web("#c44e52"),
        Color.web("#8172b2"), Color.web("#937860"), Color.web("#da8bc3"), Color.web("#5f9ea0")};

    private ColorScales() {
    }

    /**
     * Maps {@code value} into 0..1 between {@code min} and {@code max} (clamped).
     * For {@link Mapping#LOG} the lower bound is raised to {@code max / 10^LOG_DECADES} when {@code min} is not
     * positive or lies further below. Returns NaN for a NaN value; 0 when the range is empty.
     */
    public static double normalize(double value, double min, double max, Mapping mapping) {
        if (Double.isNaN(value)) {
            return Double.NaN;
        }
        if (mapping == Mapping.LOG) {
            if (!(max > 0)) {
                return 0;
            }
            double lo = logFloor(min, max);
            if (value <= lo) {
                return 0;
            }
            double span = Math.log(max) - Math.log(lo);
            return span <= 0 ? 1 : Math.clamp((Math.log(value) - Math.log(lo)) / span, 0.0, 1.0);
        }
        double span = max - min;
        return span <= 0 ? 0 : Math.clamp((value - min) / span, 0.0, 1.0);
    }

    /** Lower bound used by the log mapping for a data range [min, max]. */
    public static double logFloor(double min, double max) {
        double floor = max / Math.pow(10, LOG_DECADES);
        return min > floor ? min : floor;
    }

    /** Series colour {@code i} of a fixed categorical palette (cycles after 8). */
    public static Color categorical(int i) {
        return CATEGORICAL[Math.floorMod(i, CATEGORICAL.length)];
    }

    /** CSS colour literal ("#rrggbb") of a JavaFX colour. */
    public static String css(Color c) {
        return String.format("#%02x%02x%02x", Math.round(c.getRed() * 255), Math.round(c.getGreen() * 255),
                Math.round(c.getBlue() * 255));
    }
}
