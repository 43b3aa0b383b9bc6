package org.kvscope.viz.raster;

import javafx.scene.image.PixelFormat;
import javafx.scene.image.PixelWriter;
import org.kvscope.viz.ColorScale;
import org.kvscope.viz.ColorScales;

/**
 * An attention map max-pooled to a pixel raster.
 *
 * @param width  raster width in pixels (key axis)
 * @param height raster height in pixels (query axis)
 * @param values max weight per pixel (row-major), meaningful where {@code states} is {@link #VALUE}
 * @param states {@link #VALUE}, {@link #MISSING} (only NaN cells) or {@link #CAUSAL} (only future keys)
 * @param min    smallest pooled value, NaN when no pixel has a value
 * @param max    largest pooled value, NaN when no pixel has a value
 */
public record PooledGrid(int width, int height, float[] values, byte[] states, double min, double max) {
    /** Pixel holds a weight. */
    public static final byte VALUE = 0;
    /** Pixel covers only cells that were not computed (NaN). */
    public static final byte MISSING = 1;
    /** Pixel covers only causally masked cells (key after query). */
    public static final byte CAUSAL = 2;

    /** Background colour of causal pixels (drawn empty). */
    public static final int CAUSAL_ARGB = 0xFFFFFFFF;
    /** Colour of pixels without computed values. */
    public static final int MISSING_ARGB = 0xFFE4E4E8;

    /** Colours every pixel into {@code argb} (length {@code width * height}), empty pixels in the light theme's colours. */
    public void toArgb(ColorScale scale, ColorScales.Mapping mapping, int[] argb) {
        toArgb(scale, mapping, argb, CAUSAL_ARGB, MISSING_ARGB);
    }

    /**
     * Colours every pixel into {@code argb} (length {@code width * height}); causal pixels get {@code causalArgb}
     * and pixels without values {@code missingArgb} (the theme's background and empty colours).
     */
    public void toArgb(ColorScale scale, ColorScales.Mapping mapping, int[] argb, int causalArgb, int missingArgb) {
        if (argb.length < width * height) {
            throw new IllegalArgumentException("argb buffer holds " + argb.length + " pixels, needs " + width * height);
        }
        int[] lut = scale.lookupTable();
        double lo = mapping == ColorScales.Mapping.LOG ? ColorScales.logFloor(min, max) : Math.min(0, min);
        double logLo = Math.log(lo);
        double logSpan = Math.log(max) - logLo;
        double span = max - lo;
        for (int i = 0; i < width * height; i++) {
            byte s = states[i];
            if (s == CAUSAL) {
                argb[i] = causalArgb;
            } else if (s == MISSING) {
                argb[i] = missingArgb;
            } else {
                double v = values[i];
                double t;
                if (mapping == ColorScales.Mapping.LOG) {
                    t = v <= lo || !(logSpan > 0) ? (logSpan > 0 ? 0 : 1) : (Math.log(v) - logLo) / logSpan;
                } else {
                    t = span > 0 ? (v - lo) / span : 1;
                }
                argb[i] = lut[ColorScale.index(t)];
            }
        }
    }

    /** Colours every pixel into {@code argb} on a fixed value scale (so zoom and pan keep colours). */
    public void toArgb(ColorScale scale, ValueScale values, int[] argb) {
        toArgb(scale, values, argb, CAUSAL_ARGB, MISSING_ARGB);
    }

    /** Like {@link #toArgb(ColorScale, ValueScale, int[])} with the theme's causal and missing colours. */
    public void toArgb(ColorScale scale, ValueScale values, int[] argb, int causalArgb, int missingArgb) {
        if (argb.length < width * height) {
            throw new IllegalArgumentException("argb buffer holds " + argb.length + " pixels, needs " + width * height);
        }
        int[] lut = scale.lookupTable();
        for (int i = 0; i < width * height; i++) {
            byte s = states[i];
            argb[i] = s == CAUSAL ? causalArgb : s == MISSING ? missingArgb
                    : lut[ColorScale.index(values.position(this.values[i]))];
        }
    }

    /** Colours the grid and writes it at (0, 0) of {@code writer}. */
    public void writeTo(PixelWriter writer, ColorScale scale, ColorScales.Mapping mapping) {
        int[] argb = new int[width * height];
        toArgb(scale, mapping, argb);
        writer.setPixels(0, 0, width, height, PixelFormat.getIntArgbInstance(), argb, 0, width);
    }
}
