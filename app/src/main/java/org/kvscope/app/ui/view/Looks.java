package org.kvscope.app.ui.view;

import java.util.Locale;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.DoubleBinding;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.scene.Parent;
import org.kvscope.viz.VizStyle;
import org.kvscope.viz.VizTheme;

/**
 * How the workbench looks: light or dark theme, and the root font size (larger in presentation
 * mode, for teaching). Every size in the stylesheets is relative to the root font, so one
 * property scales the whole window; {@link #fontScale()} carries it to canvas text.
 */
public final class Looks {
    /** Root font size of the normal mode, in pixels. */
    public static final double NORMAL_FONT = 12;
    /** Root font size of presentation mode, in pixels. */
    public static final double PRESENTATION_FONT = 17;
    /** The style class the dark theme puts on the root. */
    public static final String DARK = "dark";

    private final BooleanProperty dark = new SimpleBooleanProperty(false);
    private final BooleanProperty presentation = new SimpleBooleanProperty(false);
    private final DoubleProperty fontSize = new SimpleDoubleProperty(NORMAL_FONT);
    private final DoubleBinding fontScale = fontSize.divide(NORMAL_FONT);

    public Looks() {
        presentation.addListener((o, a, on) -> fontSize.set(on ? PRESENTATION_FONT : NORMAL_FONT));
    }

    /** Dark theme on or off. */
    public BooleanProperty darkProperty() { return dark; }

    /** Presentation mode: sets {@link #fontSizeProperty()} to {@link #PRESENTATION_FONT} (or back). */
    public BooleanProperty presentationProperty() { return presentation; }

    /** The root font size in pixels. */
    public DoubleProperty fontSizeProperty() { return fontSize; }

    /** Root font size relative to the normal mode (1.0 normally), for text drawn on canvases. */
    public DoubleBinding fontScale() { return fontScale; }

    /**
     * Makes {@code root} follow these looks: its font size, the dark style class, and the canvas
     * views' colours and font scale (global in the viz module: the last window applied wins).
     */
    void apply(Parent root) {
        root.styleProperty().bind(Bindings.createStringBinding(
                () -> String.format(Locale.ROOT, "-fx-font-size: %.1fpx;", fontSize.get()), fontSize));
        Runnable theme = () -> {
            root.getStyleClass().remove(DARK);
            if (dark.get()) {
                root.getStyleClass().add(DARK);
            }
            VizTheme.darkProperty().set(dark.get());
        };
        dark.addListener((o, a, b) -> theme.run());
        theme.run();
        VizStyle.fontScaleProperty().bind(fontScale);
    }
}
