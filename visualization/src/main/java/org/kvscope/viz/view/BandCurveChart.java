package org.kvscope.viz.view;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.geometry.VPos;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.layout.Pane;
import javafx.scene.paint.Color;
import javafx.scene.text.TextAlignment;
import org.kvscope.viz.VizStyle;
import org.kvscope.viz.VizTheme;
import org.kvscope.viz.data.BandCurve;
import org.kvscope.viz.data.BandCurveSet;

/**
 * A metric against budget (log₂ x axis) per policy: a line through the middle values and a shaded
 * band over the spread, policy A blue, B orange, others grey; a dashed line marks the budget set now.
 * Use on the JavaFX application thread.
 */
public class BandCurveChart extends Pane {
    private static final double RIGHT = 12;
    private final Canvas canvas = new Canvas();
    private final ReadOnlyObjectWrapper<BandCurveSet> data = new ReadOnlyObjectWrapper<>(this, "data");
    private final DoubleProperty fontScale = new SimpleDoubleProperty(this, "fontScale", 1);

    public BandCurveChart() {
        VizStyle.apply(this, "viz-view", "band-curve-chart");
        getChildren().add(canvas);
        widthProperty().addListener((o, a, b) -> draw());
        VizTheme.redrawOnChange(this, this::draw);
        heightProperty().addListener((o, a, b) -> draw());
        fontScale.bind(VizStyle.fontScaleProperty());
        fontScale.addListener((o, a, b) -> draw());
        setPrefSize(420, 240);
        setMinSize(160, 120);
    }

    public void setData(BandCurveSet value) {
        data.set(value);
        setAccessibleText(value == null ? "no curves" : value.metric() + " against budget, " + value.spread());
        draw();
    }

    public ReadOnlyObjectProperty<BandCurveSet> dataProperty() { return data.getReadOnlyProperty(); }

    /** Scale of the text drawn on the canvas (bound to {@link VizStyle#fontScaleProperty()} by default). */
    public DoubleProperty fontScaleProperty() { return fontScale; }

    /**
     * Colour of each curve from its name ({@link VizStyle#seriesColor}: A blue, B orange, FullKV grey), so a
     * policy keeps its colour when the other has no curve.
     */
    static List<Color> curveColors(BandCurveSet set) {
        List<Color> colors = new ArrayList<>();
        int other = 0;
        for (BandCurve c : set.curves()) {
            boolean isOther = VizStyle.role(c.name()) == VizStyle.Role.OTHER;
            colors.add(VizStyle.seriesColor(c.name(), isOther ? other++ : 0));
        }
        return colors;
    }

    private double scale() {
        return VizStyle.clampScale(fontScale.get());
    }

    private double left() {
        return 48 * scale();
    }

    private double top() {
        return 22 * scale();
    }

    private double bottomMargin() {
        return 30 * scale();
    }

    private void draw() {
        double width = getWidth(), height = getHeight();
        canvas.setWidth(width);
        canvas.setHeight(height);
        GraphicsContext g = canvas.getGraphicsContext2D();
        g.setFill(VizTheme.palette().background());
        g.fillRect(0, 0, width, height);
        BandCurveSet set = data.get();
        g.setFont(VizStyle.labelFont(scale()));
        g.setFill(VizTheme.palette().muted());
        g.setTextBaseline(VPos.CENTER);
        if (set == null || set.curves().isEmpty()) {
            g.setTextAlign(TextAlignment.CENTER);
            g.fillText(set == null ? "no data yet" : "no points", width / 2, height / 2);
            return;
        }
        double xMin = Double.MAX_VALUE, xMax = 0, yMin = Double.MAX_VALUE, yMax = -Double.MAX_VALUE;
        for (BandCurve c : set.curves()) {
            for (int i = 0; i < c.budgets().length; i++) {
                xMin = Math.min(xMin, c.budgets()[i]);
                xMax = Math.max(xMax, c.budgets()[i]);
                for (double v : new double[] {c.low()[i], c.high()[i], c.mid()[i]}) {
                    if (!Double.isNaN(v)) {
                        yMin = Math.min(yMin, v);
                        yMax = Math.max(yMax, v);
                    }
                }
            }
        }
        if (xMin == Double.MAX_VALUE || yMin == Double.MAX_VALUE) {
            return;
        }
        if (yMax - yMin < 1e-9) {
            yMax = yMin + 1;
        }
        double pad = 0.05 * (yMax - yMin);
        double lx0 = log2(xMin), lx1 = Math.max(log2(xMax), lx0 + 1), y0 = yMin - pad, y1 = yMax + pad;
        double left = left(), top = top();
        double pw = width - left - RIGHT, ph = height - top - bottomMargin();
        java.util.function.DoubleUnaryOperator sx = b -> left + (log2(b) - lx0) / (lx1 - lx0) * pw;
        java.util.function.DoubleUnaryOperator sy = v -> top + (1 - (v - y0) / (y1 - y0)) * ph;
        axes(g, set, xMin, xMax, y0, y1, sx, sy);
        List<Color> colors = curveColors(set);
        for (int c = 0; c < set.curves().size(); c++) {
            curve(g, set.curves().get(c), colors.get(c), sx, sy);
        }
        if (!Double.isNaN(set.markedBudget())) {
            double mx = sx.applyAsDouble(set.markedBudget());
            g.setStroke(VizStyle.HIGHLIGHT);
            g.setLineDashes(4, 3);
            g.strokeLine(mx, top, mx, top + ph);
            g.setLineDashes();
            g.setFill(VizStyle.HIGHLIGHT);
            g.setTextAlign(TextAlignment.LEFT);
            g.fillText("now " + (int) set.markedBudget(), Math.min(mx + 3, width - 50 * scale()), top + 6 * scale());
        }
        legend(g, set, colors, width);
    }

    private static double log2(double v) {
        return Math.log(Math.max(v, 1e-9)) / Math.log(2);
    }

    private void axes(GraphicsContext g, BandCurveSet set, double xMin, double xMax, double y0, double y1,
                      java.util.function.DoubleUnaryOperator sx, java.util.function.DoubleUnaryOperator sy) {
        g.setStroke(VizTheme.palette().muted());
        g.setLineWidth(1);
        double bottom = getHeight() - bottomMargin();
        double left = left();
        double f = scale();
        g.strokeLine(left, top(), left, bottom);
        g.strokeLine(left, bottom, getWidth() - RIGHT, bottom);
        g.setFill(VizTheme.palette().muted());
        g.setTextAlign(TextAlignment.CENTER);
        for (double b = Math.pow(2, Math.floor(log2(xMin))); b <= xMax * 1.001; b *= 2) {
            if (b >= xMin * 0.999) {
                double x = sx.applyAsDouble(b);
                g.strokeLine(x, bottom, x, bottom + 3);
                g.fillText(Integer.toString((int) b), x, bottom + 10 * f);
            }
        }
        g.fillText("budget (KV entries per head, log₂)", left + (getWidth() - left - RIGHT) / 2, bottom + 22 * f);
        g.setTextAlign(TextAlignment.RIGHT);
        for (int i = 0; i <= 4; i++) {
            double v = y0 + i * (y1 - y0) / 4;
            double y = sy.applyAsDouble(v);
            g.strokeLine(left - 3, y, left, y);
            g.fillText(String.format(Locale.ROOT, Math.abs(y1 - y0) < 0.1 ? "%.3f" : "%.2f", v), left - 5, y);
        }
        g.setTextAlign(TextAlignment.LEFT);
        g.fillText(set.metric() + " — band: " + set.spread(), 4, 9 * f);
    }

    private static void curve(GraphicsContext g, BandCurve c, Color color, java.util.function.DoubleUnaryOperator sx,
                              java.util.function.DoubleUnaryOperator sy) {
        int n = c.budgets().length;
        g.setFill(color.deriveColor(0, 1, 1, 0.18));
        g.beginPath();
        boolean started = false;
        for (int i = 0; i < n; i++) {
            if (Double.isNaN(c.high()[i])) {
                continue;
            }
            double x = sx.applyAsDouble(c.budgets()[i]), y = sy.applyAsDouble(c.high()[i]);
            if (started) {
                g.lineTo(x, y);
            } else {
                g.moveTo(x, y);
                started = true;
            }
        }
        for (int i = n - 1; i >= 0; i--) {
            if (!Double.isNaN(c.low()[i])) {
                g.lineTo(sx.applyAsDouble(c.budgets()[i]), sy.applyAsDouble(c.low()[i]));
            }
        }
        g.closePath();
        if (started) {
            g.fill();
        }
        g.setStroke(color);
        g.setLineWidth(2);
        double px = Double.NaN, py = Double.NaN;
        for (int i = 0; i < n; i++) {
            if (Double.isNaN(c.mid()[i])) {
                continue;
            }
            double x = sx.applyAsDouble(c.budgets()[i]), y = sy.applyAsDouble(c.mid()[i]);
            if (!Double.isNaN(px)) {
                g.strokeLine(px, py, x, y);
            }
            g.setFill(color);
            g.fillOval(x - 2.5, y - 2.5, 5, 5);
            px = x;
            py = y;
        }
    }

    private void legend(GraphicsContext g, BandCurveSet set, List<Color> colors, double width) {
        g.setTextAlign(TextAlignment.RIGHT);
        double y = top() + 8 * scale();
        for (int c = 0; c < set.curves().size(); c++) {
            g.setFill(colors.get(c));
            g.fillRect(width - RIGHT - 10, y - 4, 10, 8);
            g.setFill(VizTheme.palette().text());
            g.fillText(set.curves().get(c).name(), width - RIGHT - 14, y);
            y += 14 * scale();
        }
    }
}
