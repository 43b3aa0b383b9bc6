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
     */
    public record Palette(Color text, Color muted, Color background, Color grid, Color empty) {}

    /** The light theme's canvas colours (those of {@link VizStyle}'s constants). */
    public static final Palette LIGHT = new Palette(VizStyle.TEXT, VizStyle.MUTED, VizStyle.BACKGROUND,
            Color.web("#c9ccd3"), Color.web("#eceef2"));
    /** The dark theme's canvas colours. */
    public static final Palette DARK = new Palette(Color.web("#e3e6eb"), Color.web("#a3aab5"), Color.web("#1f2228"),
            Color.web("#4a505b"), Color.web("#2c3038"));

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

    /** The palette canvas views draw with now. */
    public static Palette palette() {
        return DARK_THEME.get() ? DARK : LIGHT;
    }
}
