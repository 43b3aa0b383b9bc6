package org.kvscope.viz;

import java.net.URL;
import java.util.Objects;
import javafx.scene.Parent;
import javafx.scene.paint.Color;
import javafx.scene.text.Font;

/** The shared light theme: stylesheet for controls and charts, fonts and colours for canvas drawing. */
public final class VizStyle {
    /** Font for labels drawn on canvases. */
    public static final Font LABEL_FONT = Font.font("System", 11);
    /** Font for titles drawn on canvases. */
    public static final Font TITLE_FONT = Font.font("System", javafx.scene.text.FontWeight.BOLD, 12);
    /** Main text colour. */
    public static final Color TEXT = Color.web("#2b2f36");
    /** Secondary text and axis colour. */
    public static final Color MUTED = Color.web("#7a808a");
    /** View background. */
    public static final Color BACKGROUND = Color.WHITE;
    /** Accent for attention sinks. */
    public static final Color SINK = Color.web("#e07b39");
    /** Accent for hover and selection. */
    public static final Color HIGHLIGHT = Color.web("#ff3d7f");

    private static final String STYLESHEET = Objects.requireNonNull(resource(), "viz.css missing").toExternalForm();

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
}
