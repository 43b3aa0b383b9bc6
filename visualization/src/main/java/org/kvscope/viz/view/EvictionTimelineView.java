package org.kvscope.viz.view;

import java.util.Locale;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.geometry.VPos;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.layout.Pane;
import javafx.scene.paint.Color;
import javafx.scene.text.TextAlignment;
import org.kvscope.viz.VizStyle;
import org.kvscope.viz.VizTheme;
import org.kvscope.viz.data.EvictionGrid;

/**
 * Decode-time eviction timeline: generated tokens down, cache positions across. Grey cells are held
 * (darker = more heads), vermillion cells are evicted at that step, white cells are gone or not yet
 * generated; a line marks the end of the prompt. Clicking a cell sets {@link #selectedPositionProperty()};
 * setting it from outside (e.g. a token strip) outlines that column. Use on the JavaFX application thread.
 */
public class EvictionTimelineView extends Pane {
    private static final Color EVICTED = Color.web("#d55e00");
    private static final Color HELD = Color.web("#8d96a3");

    private final Canvas canvas = new Canvas();
    private final ReadOnlyObjectWrapper<EvictionGrid> grid = new ReadOnlyObjectWrapper<>(this, "grid");
    private final IntegerProperty selectedPosition = new SimpleIntegerProperty(this, "selectedPosition", -1);
    private final ReadOnlyStringWrapper hoverText = new ReadOnlyStringWrapper(this, "hoverText", "");
    private final DoubleProperty fontScale = new SimpleDoubleProperty(this, "fontScale", 1);

    public EvictionTimelineView() {
        org.kvscope.viz.VizStyle.apply(this, "viz-view", "eviction-timeline-view");
        getChildren().add(canvas);
        widthProperty().addListener((o, a, b) -> draw());
        VizTheme.redrawOnChange(this, this::draw);
        fontScale.bind(VizStyle.fontScaleProperty());
        fontScale.addListener((o, a, b) -> draw());
        heightProperty().addListener((o, a, b) -> draw());
        selectedPosition.addListener((o, a, b) -> draw());
        canvas.setOnMouseMoved(e -> hoverText.set(describe(rowAt(e.getY()), positionAt(e.getX()))));
        canvas.setOnMouseExited(e -> hoverText.set(""));
        canvas.setOnMouseClicked(e -> {
            int p = positionAt(e.getX());
            if (p >= 0) {
                selectedPosition.set(p);
            }
        });
        setPrefSize(560, 260);
        setMinSize(120, 80);
    }

    public void setGrid(EvictionGrid value) {
        grid.set(value);
        setAccessibleText(value == null ? "no eviction timeline"
                : "eviction timeline, " + (value.rows() - 1) + " generated tokens over " + value.positions() + " positions");
        draw();
    }

    public ReadOnlyObjectProperty<EvictionGrid> gridProperty() { return grid.getReadOnlyProperty(); }

    /** The outlined position column (-1 for none). */
    public IntegerProperty selectedPositionProperty() { return selectedPosition; }

    public ReadOnlyStringProperty hoverTextProperty() { return hoverText.getReadOnlyProperty(); }

    /** Scale of the row labels and the caption (bound to {@link VizStyle#fontScaleProperty()} by default). */
    public DoubleProperty fontScaleProperty() { return fontScale; }

    private double scale() {
        return VizStyle.clampScale(fontScale.get());
    }

    /** Width of the row labels' column, left of the cells. */
    private double left() {
        return 90 * scale();
    }

    /** Height of the caption above the cells. */
    private double top() {
        return 16 * scale();
    }

    private double cellWidth() {
        EvictionGrid g = grid.get();
        return g == null ? 1 : Math.max(0.5, (getWidth() - left() - 4) / g.positions());
    }

    private double cellHeight() {
        EvictionGrid g = grid.get();
        return g == null ? 1 : Math.max(2, Math.min(16, (getHeight() - top() - 4) / g.rows()));
    }

    /** Position under canvas x, or -1. */
    public int positionAt(double px) {
        EvictionGrid g = grid.get();
        int p = (int) Math.floor((px - left()) / cellWidth());
        return g == null || px < left() || p >= g.positions() ? -1 : p;
    }

    /** Row under canvas y, or -1. */
    public int rowAt(double py) {
        EvictionGrid g = grid.get();
        int r = (int) Math.floor((py - top()) / cellHeight());
        return g == null || py < top() || r >= g.rows() ? -1 : r;
    }

    private String describe(int row, int p) {
        EvictionGrid g = grid.get();
        if (g == null || row < 0 || p < 0) {
            return "";
        }
        String what = g.evicted()[row][p] > 0
                ? String.format(Locale.ROOT, "evicted here by %.0f%% of heads", 100 * g.evicted()[row][p])
                : Double.isNaN(g.held()[row][p]) ? "not generated yet"
                : String.format(Locale.ROOT, "held by %.0f%% of heads", 100 * g.held()[row][p]);
        return String.format(Locale.ROOT, "%s — position %d '%s' (%s): %s", g.rowLabels().get(row), p,
                TokenFlowView.display(g.positionLabels().get(p)), p < g.promptLength() ? "prompt" : "generated", what);
    }

    private void draw() {
        canvas.setWidth(getWidth());
        canvas.setHeight(getHeight());
        GraphicsContext gc = canvas.getGraphicsContext2D();
        gc.setFill(VizTheme.palette().background());
        gc.fillRect(0, 0, getWidth(), getHeight());
        EvictionGrid g = grid.get();
        if (g == null) {
            return;
        }
        double cw = cellWidth(), ch = cellHeight();
        gc.setFont(VizStyle.labelFont(scale()));
        gc.setTextBaseline(VPos.CENTER);
        gc.setTextAlign(TextAlignment.RIGHT);
        for (int r = 0; r < g.rows(); r++) {
            double y = top() + r * ch;
            for (int p = 0; p < g.positions(); p++) {
                double held = g.held()[r][p];
                Color c = g.evicted()[r][p] > 0 ? EVICTED
                        : Double.isNaN(held) || held <= 0 ? null : HELD.deriveColor(0, 1, 1, 0.25 + 0.75 * held);
                if (c != null) {
                    gc.setFill(c);
                    gc.fillRect(left() + p * cw, y, Math.max(cw, 0.75), ch - (ch > 4 ? 1 : 0));
                }
            }
            if (ch >= 9 * scale()) {
                gc.setFill(VizTheme.palette().text());
                gc.fillText(clip(TokenFlowView.display(g.rowLabels().get(r))), left() - 4, y + ch / 2);
            }
        }
        gc.setStroke(VizTheme.palette().muted());
        gc.setLineWidth(1);
        double boundary = left() + g.promptLength() * cw;
        gc.strokeLine(boundary, top() - 4, boundary, top() + g.rows() * ch);
        gc.setFill(VizTheme.palette().muted());
        gc.setTextAlign(TextAlignment.LEFT);
        gc.fillText("positions 0.." + (g.positions() - 1) + " (prompt | generated) — " + g.scope(), left(), top() / 2);
        int sel = selectedPosition.get();
        if (sel >= 0 && sel < g.positions()) {
            gc.setStroke(VizStyle.HIGHLIGHT);
            gc.setLineWidth(1.5);
            gc.strokeRect(left() + sel * cw, top(), Math.max(cw, 2), g.rows() * ch);
        }
    }

    private static String clip(String s) {
        return s.length() > 12 ? s.substring(0, 11) + "…" : s;
    }
}
