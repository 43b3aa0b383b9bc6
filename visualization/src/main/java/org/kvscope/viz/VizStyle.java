package org.kvscope.viz;

import java.net.URL;
import java.util.Locale;
import java.util.Objects;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.scene.Parent;
import javafx.scene.paint.Color;
import javafx.scene.text.Font;
import javafx.scene.text.FontWeight;

/**
 * The shared theme: stylesheet for controls and charts, fonts and colours for canvas drawing, the one definition
 * of the policy A / B colours, and the canvas font scale for presentation mode.
 */
public final class VizStyle {
    /** Size in px of labels drawn on canvases at font scale 1. */
    public static final double LABEL_SIZE = 11;
    /** Size in px of titles drawn on canvases at font scale 1. */
    public static final double TITLE_SIZE = 12;
    /** Font for labels drawn on canvases (font scale 1). */
    public static final Font LABEL_FONT = Font.font("System", LABEL_SIZE);
    /** Font for titles drawn on canvases (font scale 1). */
    public static final Font TITLE_FONT = Font.font("System", FontWeight.BOLD, TITLE_SIZE);
    /** Main text colour. */
    public static final Color TEXT = Color.web("#2b2f36");
    /** Secondary text and axis colour. */
    public static final Color MUTED = Color.web("#7a808a");
    /** View background. */
    public static final Color BACKGROUND = Color.WHITE;
    /** Policy A in every view (Okabe–Ito blue; distinguishable with every common colour-vision deficiency). */
    public static final Color POLICY_A = Color.web("#0072b2");
    /** Policy B in every view (Okabe–Ito orange). */
    public static final Color POLICY_B = Color.web("#e69f00");
    /** The full-cache baseline in every view. */
    public static final Color BASELINE = Color.web("#5c626c");
    /** Accent for attention sinks (Okabe–Ito reddish purple, so it is never read as policy B). */
    public static final Color SINK = Color.web("#cc79a7");
    /** Accent for hover and selection. */
    public static final Color HIGHLIGHT = Color.web("#ff3d7f");
    /** Series colours that are neither policy A, policy B nor the baseline (Okabe–Ito, then tints). */
    private static final Color[] OTHER = {
        Color.web("#009e73"), Color.web("#cc79a7"), Color.web("#56b4e9"), Color.web("#d55e00"),
        Color.web("#8172b2"), Color.web("#937860")};

    private static final String STYLESHEET = Objects.requireNonNull(resource(), "viz.css missing").toExternalForm();
    private static final DoubleProperty FONT_SCALE = new SimpleDoubleProperty(VizStyle.class, "fontScale", 1);

    private VizStyle() {
    }

    private static URL resource() {
        return VizStyle.class.getResource("viz.css");
    }

    /** URL of {@code viz.css}, for adding to a scene or parent. */
    public static String stylesheet() {
        return STYLESHEET;
    }

    /** Adds the stylesheet and the given style classes to a view's root node. */
    public static <T extends Parent> T apply(T node, String... styleClasses) {
        if (!node.getStylesheets().contains(STYLESHEET)) {
            node.getStylesheets().add(STYLESHEET);
        }
        node.getStyleClass().addAll(styleClasses);
        return node;
    }

    /**
     * Default scale of text drawn on canvases (1 = normal; presentation mode sets e.g. 1.5). Every canvas view's own
     * {@code fontScaleProperty()} is bound to it until rebound; values are clamped to 0.5..4 when used.
     */
    public static DoubleProperty fontScaleProperty() {
        return FONT_SCALE;
    }

    /** Clamps a font scale to the supported 0.5..4 (NaN = 1). */
    public static double clampScale(double scale) {
        return Double.isNaN(scale) ? 1 : Math.clamp(scale, 0.5, 4.0);
    }

    /** Label font at a font scale. */
    public static Font labelFont(double scale) {
        double s = clampScale(scale);
        return s == 1 ? LABEL_FONT : Font.font("System", LABEL_SIZE * s);
    }

    /** Title font at a font scale. */
    public static Font titleFont(double scale) {
        double s = clampScale(scale);
        return s == 1 ? TITLE_FONT : Font.font("System", FontWeight.BOLD, TITLE_SIZE * s);
    }

    /**
     * Colour of a named series: policy A for names such as {@code "A"}, {@code "A: snapkv"} or
     * {@code "Policy A: h2o"}; policy B likewise; the baseline for names starting with {@code FullKV} or
     * {@code full}; otherwise the {@code otherIndex}-th colour of a palette that avoids those three.
     */
    public static Color seriesColor(String name, int otherIndex) {
        return switch (role(name)) {
            case A -> POLICY_A;
            case B -> POLICY_B;
            case BASELINE -> BASELINE;
            case OTHER -> OTHER[Math.floorMod(otherIndex, OTHER.length)];
        };
    }

    /** Which fixed colour a series name asks for. */
    public enum Role { A, B, BASELINE, OTHER }

    /** The role of a series name (see {@link #seriesColor(String, int)}). */
    public static Role role(String name) {
        if (name == null) {
            return Role.OTHER;
        }
        String n = name.strip();
        String lower = n.toLowerCase(Locale.ROOT);
        if (lower.startsWith("policy ")) {
            n = n.substring(7);
            lower = lower.substring(7);
        }
        if (lower.startsWith("fullkv") || lower.startsWith("full cache") || lower.startsWith("full ")
                || lower.equals("full") || lower.startsWith("baseline")) {
            return Role.BASELINE;
        }
        if (n.equals("A") || n.startsWith("A:") || n.startsWith("A ") || n.startsWith("A|")) {
            return Role.A;
        }
        if (n.equals("B") || n.startsWith("B:") || n.startsWith("B ") || n.startsWith("B|")) {
            return Role.B;
        }
        return Role.OTHER;
    }

    /**
     * Inline style that gives series {@code i} of a JavaFX chart the colour of {@code names.get(i)} through the
     * chart's {@code CHART_COLOR_n} looked-up colours (lines, symbols, bars, areas and legend alike).
     */
    public static String chartColors(java.util.List<String> names) {
        StringBuilder css = new StringBuilder();
        int other = 0;
        for (int i = 0; i < names.size() && i < 8; i++) {
            Role r = role(names.get(i));
            Color c = seriesColor(names.get(i), r == Role.OTHER ? other++ : 0);
            css.append("CHART_COLOR_").append(i + 1).append(": ").append(ColorScales.css(c)).append("; ");
            css.append("CHART_COLOR_").append(i + 1).append("_TRANS_20: ").append(ColorScales.css(c))
                    .append("33; ");
        }
        return css.toString().strip();
    }
}
