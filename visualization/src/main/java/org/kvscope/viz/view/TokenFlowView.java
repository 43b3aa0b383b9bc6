package org.kvscope.viz.view;

import java.util.Locale;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.control.ScrollPane;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.Pane;
import javafx.scene.paint.Color;
import javafx.scene.text.Text;
import javafx.scene.text.TextAlignment;
import javafx.geometry.VPos;
import org.kvscope.viz.ColorScale;
import org.kvscope.viz.ColorScales;
import org.kvscope.viz.VizStyle;
import org.kvscope.viz.VizTheme;
import org.kvscope.viz.data.TokenWeights;

/**
 * The prompt as wrapped text, one box per token, in the manner of BertViz's and Inspectus's token
 * views: each token's background shows its weight (log or linear, scaled to the largest weight
 * other than the focused token's), the focused token is outlined, and two thin bars under each
 * token show whether policy A (blue) and policy B (orange) keep it. Clicking a token sets
 * {@link #clickedProperty()}; hovering describes it. Drawn on one canvas, laid out only when the
 * tokens or the width change. Use on the JavaFX application thread.
 */
public class TokenFlowView extends BorderPane {
    /** Policy A's mark colour. */
    public static final Color A = VizStyle.POLICY_A;
    /** Policy B's mark colour. */
    public static final Color B = VizStyle.POLICY_B;
    private static final ColorScale PURPLES = ColorScale.interpolate("purples", new double[][] {
            {1.000, 1.000, 1.000}, {0.855, 0.784, 0.933}, {0.588, 0.443, 0.808}});
    /** The dark theme's weight scale: from the empty-cell colour up to a light purple. */
    private static final ColorScale PURPLES_DARK = ColorScale.interpolate("purples on dark", new double[][] {
            {0.173, 0.188, 0.220}, {0.353, 0.275, 0.522}, {0.690, 0.573, 0.902}});
    private static final double PAD = 3, MARKS = 7, GAP = 2;

    private final Canvas canvas = new Canvas();
    private final Pane holder = new Pane(canvas);
    private final ScrollPane scroll = new ScrollPane(holder);
    private final ReadOnlyObjectWrapper<TokenWeights> data = new ReadOnlyObjectWrapper<>(this, "data");
    private final IntegerProperty clicked = new SimpleIntegerProperty(this, "clicked", -1);
    private final ObjectProperty<ColorScales.Mapping> mapping = new SimpleObjectProperty<>(this, "mapping",
            ColorScales.Mapping.LOG);
    private final ReadOnlyStringWrapper hoverText = new ReadOnlyStringWrapper(this, "hoverText", "");
    private final DoubleProperty fontScale = new SimpleDoubleProperty(this, "fontScale", 1);
    private double[] x = new double[0], y = new double[0], w = new double[0];
    private double laidOutWidth = -1;

    public TokenFlowView() {
        VizStyle.apply(this, "viz-view", "token-flow-view");
        scroll.setFitToWidth(true);
        scroll.styleProperty().bind(VizTheme.darkProperty().map(dark -> "-fx-background-color: transparent; -fx-background: "
                + (dark ? ColorScales.css(VizTheme.DARK.background()) : "white") + ";"));
        setCenter(scroll);
        holder.setMinHeight(0);
        scroll.viewportBoundsProperty().addListener((o, a, b) -> relayout());
        mapping.addListener((o, a, b) -> draw());
        VizTheme.redrawOnChange(this, this::draw);
        fontScale.bind(VizStyle.fontScaleProperty());
        fontScale.addListener((o, a, b) -> {
            laidOutWidth = -1;
            relayout();
        });
        canvas.setOnMouseClicked(e -> {
            int i = tokenAt(e.getX(), e.getY());
            if (i >= 0) {
                clicked.set(i);
            }
        });
        canvas.setOnMouseMoved(e -> hoverText.set(describe(tokenAt(e.getX(), e.getY()))));
        canvas.setOnMouseExited(e -> hoverText.set(""));
        setPrefSize(520, 220);
    }

    /** Shows new tokens and weights (null clears). */
    public void setData(TokenWeights value) {
        TokenWeights old = data.get();
        data.set(value);
        if (old == null || value == null || !old.tokens().equals(value.tokens())) {
            laidOutWidth = -1;
            relayout();
        } else {
            draw();
        }
        setAccessibleText(value == null ? "no tokens" : value.size() + " tokens; " + value.caption());
    }

    public ReadOnlyObjectProperty<TokenWeights> dataProperty() { return data.getReadOnlyProperty(); }

    /** Position of the last token clicked (-1 before any). */
    public IntegerProperty clickedProperty() { return clicked; }

    /** Log (default) or linear weight colours. */
    public ObjectProperty<ColorScales.Mapping> mappingProperty() { return mapping; }

    /** Scale of the token text (bound to {@link VizStyle#fontScaleProperty()} by default). */
    public DoubleProperty fontScaleProperty() { return fontScale; }

    /** Height of a token's box: its text line. */
    private double line() {
        return Math.ceil(17 * VizStyle.clampScale(fontScale.get()));
    }

    /** Description of the token under the mouse (empty when none). */
    public ReadOnlyStringProperty hoverTextProperty() { return hoverText.getReadOnlyProperty(); }

    /** Where token {@code i}'s box starts in the view's canvas (for tests and links), or null. */
    public javafx.geometry.Point2D tokenCentre(int i) {
        if (i < 0 || i >= x.length) {
            return null;
        }
        return canvas.localToScene(x[i] + w[i] / 2, y[i] + line() / 2);
    }

    /** Token index at canvas coordinates, or -1. */
    public int tokenAt(double px, double py) {
        for (int i = 0; i < x.length; i++) {
            if (px >= x[i] && px < x[i] + w[i] && py >= y[i] && py < y[i] + line() + MARKS) {
                return i;
            }
        }
        return -1;
    }

    static String display(String token) {
        return token.replace("\n", "↵").replace("\t", "⇥").replace("\r", "");
    }

    private void relayout() {
        TokenWeights d = data.get();
        double width = Math.max(100, scroll.getViewportBounds().getWidth());
        if (d == null) {
            x = y = w = new double[0];
            canvas.setWidth(width);
            canvas.setHeight(0);
            holder.setPrefHeight(0);
            return;
        }
        if (width == laidOutWidth && x.length == d.size()) {
            draw();
            return;
        }
        laidOutWidth = width;
        int n = d.size();
        x = new double[n];
        y = new double[n];
        w = new double[n];
        Text measure = new Text();
        measure.setFont(VizStyle.labelFont(fontScale.get()));
        double cx = 0, cy = 0;
        for (int i = 0; i < n; i++) {
            measure.setText(display(d.tokens().get(i)));
            double tw = Math.max(6, measure.getLayoutBounds().getWidth()) + 2 * PAD;
            if (cx > 0 && cx + tw > width) {
                cx = 0;
                cy += line() + MARKS + GAP;
            }
            x[i] = cx;
            y[i] = cy;
            w[i] = tw;
            cx += tw + 1;
        }
        double height = n == 0 ? 0 : cy + line() + MARKS + GAP;
        canvas.setWidth(width);
        canvas.setHeight(Math.min(height, 16_000));
        holder.setPrefHeight(canvas.getHeight());
        draw();
    }

    private double scaleMax(TokenWeights d) {
        double max = 0;
        for (int i = 0; i < d.size(); i++) {
            if (i != d.focus() && !Double.isNaN(d.weights()[i])) {
                max = Math.max(max, d.weights()[i]);
            }
        }
        return max;
    }

    private void draw() {
        GraphicsContext g = canvas.getGraphicsContext2D();
        g.setFill(VizTheme.palette().background());
        g.fillRect(0, 0, canvas.getWidth(), canvas.getHeight());
        TokenWeights d = data.get();
        if (d == null || x.length != d.size()) {
            return;
        }
        double max = d.weights() == null ? 0 : scaleMax(d);
        g.setFont(VizStyle.labelFont(fontScale.get()));
        VizTheme.Palette palette = VizTheme.palette();
        ColorScale weights = VizTheme.darkProperty().get() ? PURPLES_DARK : PURPLES;
        g.setTextBaseline(VPos.CENTER);
        g.setTextAlign(TextAlignment.LEFT);
        for (int i = 0; i < d.size(); i++) {
            if (y[i] > canvas.getHeight()) {
                break;
            }
            double v = d.weights() == null ? Double.NaN : d.weights()[i];
            Color bg = Double.isNaN(v) || max <= 0 ? palette.empty()
                    : weights.colorAt(ColorScales.normalize(Math.min(v, max), 0, max, mapping.get()));
            g.setFill(bg);
            g.fillRect(x[i], y[i], w[i], line());
            if (i == d.focus()) {
                g.setStroke(VizStyle.HIGHLIGHT);
                g.setLineWidth(2);
                g.strokeRect(x[i] + 1, y[i] + 1, w[i] - 2, line() - 2);
            }
            g.setFill(bg.getBrightness() < 0.6 ? VizTheme.DARK.text() : VizTheme.LIGHT.text());
            g.fillText(display(d.tokens().get(i)), x[i] + PAD, y[i] + line() / 2);
            mark(g, d.keptA(), i, A, y[i] + line() + 1, palette);
            mark(g, d.keptB(), i, B, y[i] + line() + 4, palette);
        }
    }

    private void mark(GraphicsContext g, double[] kept, int i, Color c, double top, VizTheme.Palette palette) {
        if (kept == null) {
            return;
        }
        double share = kept[i];
        g.setFill(share > 0 ? c.deriveColor(0, 1, 1, 0.25 + 0.75 * share) : palette.inactive());
        g.fillRect(x[i], top, w[i], 2.5);
    }

    private String describe(int i) {
        TokenWeights d = data.get();
        if (d == null || i < 0 || i >= d.size()) {
            return "";
        }
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "position %d '%s'", i, display(d.tokens().get(i))));
        if (d.weights() != null) {
            s.append(": ").append(WeightText.format(d.weights()[i]));
        }
        if (d.keptA() != null) {
            s.append(String.format(Locale.ROOT, "; A keeps %s", keptText(d.keptA()[i])));
        }
        if (d.keptB() != null) {
            s.append(String.format(Locale.ROOT, "; B keeps %s", keptText(d.keptB()[i])));
        }
        return s.toString();
    }

    private static String keptText(double share) {
        return share >= 1 ? "it" : share <= 0 ? "nothing (evicted)" : String.format(Locale.ROOT, "it in %.0f%% of heads", 100 * share);
    }

    /** Weights in fixed notation, or scientific below 1e-3. */
    static final class WeightText {
        private WeightText() {}

        static String format(double v) {
            if (Double.isNaN(v)) {
                return "—";
            }
            return v != 0 && Math.abs(v) < 1e-3 ? String.format(Locale.ROOT, "%.2e", v) : String.format(Locale.ROOT, "%.4f", v);
        }
    }
}
