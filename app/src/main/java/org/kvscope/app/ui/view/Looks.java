package org.kvscope.app.ui.view;

import javafx.beans.binding.DoubleBinding;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.css.PseudoClass;
import javafx.scene.Parent;
import org.kvscope.viz.VizStyle;
import org.kvscope.viz.VizTheme;

/**
 * How the workbench looks: light or dark theme, and the root font size (larger in presentation
 * mode, for teaching). Every size in the stylesheets is relative to the root font, so one
 * pseudo-class scales the whole window; {@link #fontScale()} carries it to canvas text.
 */
public final class Looks {
    /** Root font size of the normal mode, in pixels. */
    public static final double NORMAL_FONT = 12;
    /** Root font size of presentation mode, in pixels. */
    public static final double PRESENTATION_FONT = 17;
    /** The pseudo-class the dark theme sets on the root ({@code .root:dark} in workbench.css). */
    public static final PseudoClass DARK = PseudoClass.getPseudoClass("dark");
    /** The pseudo-class presentation mode sets on the root; workbench.css gives it the larger root font. */
    public static final PseudoClass PRESENTATION = PseudoClass.getPseudoClass("presentation");

    private final BooleanProperty dark = new SimpleBooleanProperty(false);
    private final BooleanProperty presentation = new SimpleBooleanProperty(false);
    private final DoubleProperty fontSize = new SimpleDoubleProperty(NORMAL_FONT);
    private final DoubleBinding fontScale = fontSize.divide(NORMAL_FONT);
    /** The roots that follow these looks (their presentation pseudo-class changes before the font size does). */
    private final java.util.List<Parent> roots = new java.util.ArrayList<>();

    public Looks() {
        // the pseudo-class first: whoever follows the font size (the window's side columns) sees the new styles due
        presentation.addListener((o, a, on) -> {
            roots.forEach(r -> r.pseudoClassStateChanged(PRESENTATION, on));
            fontSize.set(on ? PRESENTATION_FONT : NORMAL_FONT);
        });
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
     * Makes {@code root} follow these looks: the {@link #DARK} and {@link #PRESENTATION} pseudo-classes, and
     * the canvas views' colours and font scale (global in the viz module: the last window applied wins).
     * A pseudo-class change only moves each node to its new state; a style class or an inline style made
     * JavaFX match every node against every selector again (a JFR profile of {@code bench-ui} with its theme
     * and presentation toggles had 12% of the FX thread's samples in {@code CssStyleHelper.createStyleHelper}).
     */
    void apply(Parent root) {
        Runnable theme = () -> {
            root.pseudoClassStateChanged(DARK, dark.get());
            VizTheme.darkProperty().set(dark.get());
        };
        dark.addListener((o, a, b) -> theme.run());
        theme.run();
        root.pseudoClassStateChanged(PRESENTATION, presentation.get());
        roots.add(root);
        VizStyle.fontScaleProperty().bind(fontScale);
    }

    /** Gives {@code node} the looks pseudo-classes {@code root} has (a dialog follows its window). */
    static void copy(javafx.scene.Node root, javafx.scene.Node node) {
        for (PseudoClass p : java.util.List.of(DARK, PRESENTATION)) {
            node.pseudoClassStateChanged(p, root.getPseudoClassStates().contains(p));
        }
    }
}
