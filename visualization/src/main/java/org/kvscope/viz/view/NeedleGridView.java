package org.kvscope.viz.view;

import java.util.Locale;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.SimpleObjectProperty;
import javafx.geometry.Rectangle2D;
import javafx.geometry.VPos;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.layout.Region;
import javafx.scene.paint.Color;
import javafx.scene.text.TextAlignment;
import org.kvscope.viz.ColorScales;
import org.kvscope.viz.VizStyle;
import org.kvscope.viz.data.NeedleGrid;

/**
 * Needle-in-a-haystack heatmap: context length across, needle depth down; each cell is coloured by success
 * (green/red) or by its value on the viridis scale, and shows the value as text. Resizes with its parent.
 * Use on the JavaFX application thread.
 */
public class NeedleGridView extends Region {

    /** What colours the cells. */
    public enum ColorBy {
        /** Green for success, red for failure (falls back to VALUE when success is unknown). */
        SUCCESS,
        /** The cell value on the viridis scale between the grid's minimum and maximum. */
        VALUE
    }

    /** Cell colour for a successful retrieval. */
    public static final Color SUCCESS_COLOR = Color.web("#6cc08b");
    /** Cell colour for a failed retrieval. */
    public static final Color FAILURE_COLOR = Color.web("#e3807a");
    private static final Color EMPTY_COLOR = Color.web("#eceef2");
    private static final double TITLE_H = 22;
    private static final double LEFT_W = 56;
    private static final double BOTTOM_H = 36;
    private static final double RIGHT_PAD = 8;

    private final Canvas canvas = new Canvas();
    private final ReadOnlyObjectWrapper<NeedleGrid> grid = new ReadOnlyObjectWrapper<>(this, "grid");
    private final ObjectProperty<ColorBy> colorBy = new SimpleObjectProperty<>(this, "colorBy", ColorBy.SUCCESS);

    /** Empty view. */
    public NeedleGridView() {
        VizStyle.apply(this, "viz-view", "needle-grid");
        getChildren().add(canvas);
        colorBy.addListener((obs, o, n) -> redraw());
        setMinSize(160, 120);
        setPrefSize(420, 300);
    }

    /** Shows a grid (null clears). */
    public void setGrid(NeedleGrid newGrid) {
        grid.set(newGrid);
        redraw();
    }

    /** The grid shown, or null. */
    public ReadOnlyObjectProperty<NeedleGrid> gridProperty() {
        return grid.getReadOnlyProperty();
    }

    /** What colours the cells (default {@link ColorBy#SUCCESS}). */
    public ObjectProperty<ColorBy> colorByProperty() {
        return colorBy;
    }

    public void setColorBy(ColorBy value) {
        colorBy.set(value);
    }

    /** Bounds of the cell at (depth row, length column) in local coordinates. */
    public Rectangle2D cellBounds(int depthIndex, int lengthIndex) {
        NeedleGrid g = grid.get();
        if (g == null) {
            throw new IllegalStateException("no needle grid is shown");
        }
        if (depthIndex < 0 || depthIndex >= g.depths().length || lengthIndex < 0
                || lengthIndex >= g.lengths().length) {
            throw new IndexOutOfBoundsException("cell (" + depthIndex + ", " + lengthIndex + ") outside "
                    + g.depths().length + " depths x " + g.lengths().length + " lengths");
        }
        double cw = (getWidth() - LEFT_W - RIGHT_PAD) / g.lengths().length;
        double ch = (getHeight() - TITLE_H - BOTTOM_H) / g.depths().length;
        return new Rectangle2D(LEFT_W + lengthIndex * cw, TITLE_H + depthIndex * ch, cw, ch);
    }

    @Override
    protected void layoutChildren() {
        double w = snapSizeX(getWidth());
        double h = snapSizeY(getHeight());
        if (canvas.getWidth() != w || canvas.getHeight() != h) {
            canvas.setWidth(w);
            canvas.setHeight(h);
        }
        redraw();
    }

    private void redraw() {
        GraphicsContext g = canvas.getGraphicsContext2D();
        g.setFill(VizStyle.BACKGROUND);
        g.fillRect(0, 0, canvas.getWidth(), canvas.getHeight());
        NeedleGrid data = grid.get();
        if (data == null || getWidth() <= LEFT_W + RIGHT_PAD || getHeight() <= TITLE_H + BOTTOM_H) {
            return;
        }
        g.setFont(VizStyle.TITLE_FONT);
        g.setFill(VizStyle.TEXT);
        g.setTextAlign(TextAlignment.LEFT);
        g.setTextBaseline(VPos.CENTER);
        String title = data.title();
        if (data.success() != null) {
            title += String.format(Locale.ROOT, "  —  %.0f%% retrieved", 100 * data.successRate());
        }
        g.fillText(title, 6, TITLE_H / 2);
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double[] row : data.values()) {
            for (double v : row) {
                if (!Double.isNaN(v)) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
        }
        boolean bySuccess = colorBy.get() == ColorBy.SUCCESS && data.success() != null;
        g.setFont(VizStyle.LABEL_FONT);
        for (int d = 0; d < data.depths().length; d++) {
            for (int l = 0; l < data.lengths().length; l++) {
                Rectangle2D r = cellBounds(d, l);
                double v = data.values()[d][l];
                Color fill;
                if (Double.isNaN(v) && !bySuccess) {
                    fill = EMPTY_COLOR;
                } else if (bySuccess) {
                    fill = data.success()[d][l] ? SUCCESS_COLOR : FAILURE_COLOR;
                } else {
                    fill = ColorScales.VIRIDIS.colorAt(ColorScales.normalize(v, min, max, ColorScales.Mapping.LINEAR));
                }
                g.setFill(fill);
                g.fillRect(r.getMinX() + 1, r.getMinY() + 1, r.getWidth() - 2, r.getHeight() - 2);
                g.setFill(fill.getBrightness() < 0.6 ? Color.WHITE : VizStyle.TEXT);
                g.setTextAlign(TextAlignment.CENTER);
                g.fillText(Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.2f", v),
                        r.getMinX() + r.getWidth() / 2, r.getMinY() + r.getHeight() / 2);
            }
        }
        drawAxes(g, data);
    }

    private void drawAxes(GraphicsContext g, NeedleGrid data) {
        g.setFill(VizStyle.MUTED);
        g.setTextAlign(TextAlignment.RIGHT);
        for (int d = 0; d < data.depths().length; d++) {
            Rectangle2D r = cellBounds(d, 0);
            g.fillText(String.format(Locale.ROOT, "%.0f%%", data.depths()[d] * 100), LEFT_W - 6,
                    r.getMinY() + r.getHeight() / 2);
        }
        g.setTextAlign(TextAlignment.CENTER);
        double axisY = getHeight() - BOTTOM_H;
        for (int l = 0; l < data.lengths().length; l++) {
            Rectangle2D r = cellBounds(0, l);
            g.fillText(Integer.toString(data.lengths()[l]), r.getMinX() + r.getWidth() / 2, axisY + 9);
        }
        g.fillText("context length (tokens)", LEFT_W + (getWidth() - LEFT_W - RIGHT_PAD) / 2, axisY + 26);
        g.save();
        g.translate(12, TITLE_H + (getHeight() - TITLE_H - BOTTOM_H) / 2);
        g.rotate(-90);
        g.fillText("needle depth", 0, 0);
        g.restore();
    }
}
