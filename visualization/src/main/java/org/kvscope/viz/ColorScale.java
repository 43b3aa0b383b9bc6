package org.kvscope.viz;

import javafx.scene.paint.Color;

/**
 * A continuous colour scale sampled into a 256-entry lookup table of opaque ARGB colours.
 * Build one from anchor colours with {@link #interpolate(String, double[][])}.
 */
public final class ColorScale {
    /** Number of entries in the lookup table. */
    public static final int SIZE = 256;

    private final String name;
    private final int[] lut;

    private ColorScale(String name, int[] lut) {
        this.name = name;
        this.lut = lut;
    }

    /**
     * Builds a scale by piecewise linear interpolation between evenly spaced anchors.
     *
     * @param name    display name
     * @param anchors at least two {r, g, b} triples with components in 0..1, from low to high
     */
    public static ColorScale interpolate(String name, double[][] anchors) {
        if (anchors == null || anchors.length < 2) {
            throw new IllegalArgumentException("a colour scale needs at least two anchors");
        }
        for (double[] a : anchors) {
            if (a == null || a.length != 3) {
                throw new IllegalArgumentException("each anchor must be an {r, g, b} triple");
            }
            for (double c : a) {
                if (!(c >= 0 && c <= 1)) {
                    throw new IllegalArgumentException("anchor components must be in 0..1 but got " + c);
                }
            }
        }
        int[] lut = new int[SIZE];
        int segments = anchors.length - 1;
        for (int i = 0; i < SIZE; i++) {
            double t = i / (double) (SIZE - 1) * segments;
            int s = Math.min((int) t, segments - 1);
            double f = t - s;
            double[] a = anchors[s];
            double[] b = anchors[s + 1];
            lut[i] = argb(a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f);
        }
        return new ColorScale(name, lut);
    }

    private static int argb(double r, double g, double b) {
        return 0xFF000000 | channel(r) << 16 | channel(g) << 8 | channel(b);
    }

    private static int channel(double c) {
        return (int) Math.round(Math.clamp(c, 0.0, 1.0) * 255);
    }

    /** Display name. */
    public String name() {
        return name;
    }

    /** Opaque ARGB colour at {@code t} in 0..1 (clamped; NaN maps to 0). */
    public int argbAt(double t) {
        return lut[index(t)];
    }

    /** JavaFX colour at {@code t} in 0..1 (clamped; NaN maps to 0). */
    public Color colorAt(double t) {
        int c = argbAt(t);
        return Color.rgb(c >> 16 & 0xFF, c >> 8 & 0xFF, c & 0xFF);
    }

    /** Lookup-table index for {@code t}; used by raster code that maps many values at once. */
    public static int index(double t) {
        if (!(t > 0)) {
            return 0;
        }
        return t >= 1 ? SIZE - 1 : (int) (t * (SIZE - 1) + 0.5);
    }

    /** A copy of the lookup table. */
    public int[] lookupTable() {
        return lut.clone();
    }

    @Override
    public String toString() {
        return "ColorScale[" + name + "]";
    }
}
