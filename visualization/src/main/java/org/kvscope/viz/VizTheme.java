package org.kvscope.viz;

import javafx.beans.InvalidationListener;
import javafx.beans.WeakInvalidationListener;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.scene.Node;
import javafx.scene.paint.Color;

/**
 * Light or dark colours for what views draw on a canvas. Controls and charts follow the theme
 * through CSS (the application puts the style class {@code dark} on an ancestor and styles it);
 * canvas views take their colours from {@link #palette()} and redraw when {@link #darkProperty()}
 * changes.
 */
public final class VizTheme {
    /**
     * Colours for canvas drawing in one theme.
     *
     * @param text       main text
     * @param muted      secondary text and axes
     * @param background view background
     * @param grid       frames and grid lines
     * @param empty      cells without data
     * @param inactive   marks of what is switched off, e.g. evicted keys in the heatmap's kept strip
     */
    public record Palette(Color text, Color muted, Color background, Color grid, Color empty, Color inactive) {
        /** Opaque ARGB of the background (also the colour of a heatmap's empty causal triangle). */
        public int backgroundArgb() {
            return argb(background);
        }

        /** Opaque ARGB of cells without data. */
        public int emptyArgb() {
            return argb(empty);
        }

        /**
         * Blends an opaque ARGB colour towards the background by {@code amount} in 0..1 (dims it in either
         * theme: lighter in the light one, darker in the dark one).
         */
        public int dim(int argb, double amount) {
            int bg = backgroundArgb();
            int r = (int) ((argb >> 16 & 0xFF) * (1 - amount) + (bg >> 16 & 0xFF) * amount);
            int g = (int) ((argb >> 8 & 0xFF) * (1 - amount) + (bg >> 8 & 0xFF) * amount);
            int b = (int) ((argb & 0xFF) * (1 - amount) + (bg & 0xFF) * amount);
            return 0xFF000000 | r << 16 | g << 8 | b;
        }
    }

    /** The light theme's canvas colours (those of {@link VizStyle}'s constants). */
    public static final Palette LIGHT = new Palette(VizStyle.TEXT, VizStyle.MUTED, VizStyle.BACKGROUND,
            Color.web("#c9ccd3"), Color.web("#eceef2"), Color.web("#d9dbe1"));
    /** The dark theme's canvas colours. */
    public static final Palette DARK = new Palette(Color.web("#e3e6eb"), Color.web("#a3aab5"), Color.web("#1f2228"),
            Color.web("#4a505b"), Color.web("#2c3038"), Color.web("#3d424c"));

    private static final BooleanProperty DARK_THEME = new SimpleBooleanProperty(VizTheme.class, "dark", false);

    private VizTheme() {
    }

    /** Whether canvas views draw with the {@link #DARK} palette (FX thread only). */
    public static BooleanProperty darkProperty() {
        return DARK_THEME;
    }

    /**
     * Calls {@code redraw} whenever the theme changes, for as long as {@code view} lives (the
     * listener is held by the view, and only weakly by the theme).
     */
    public static void redrawOnChange(Node view, Runnable redraw) {
        InvalidationListener l = o -> redraw.run();
        view.getProperties().put(VizTheme.class, l);
        DARK_THEME.addListener(new WeakInvalidationListener(l));
    }

    /** Opaque ARGB of a colour (its opacity ignored). */
    public static int argb(Color c) {
        return 0xFF000000 | (int) Math.round(c.getRed() * 255) << 16 | (int) Math.round(c.getGreen() * 255) << 8
                | (int) Math.round(c.getBlue() * 255);
    }

    /** The palette canvas views draw with now. */
    public static Palette palette() {
        return DARK_THEME.get() ? DARK : LIGHT;
    }
}
