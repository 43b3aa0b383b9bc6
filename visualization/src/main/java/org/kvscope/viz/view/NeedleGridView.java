package org.kvscope.viz.view;

import java.util.List;
import java.util.Locale;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.geometry.Rectangle2D;
import javafx.geometry.VPos;
import javafx.scene.AccessibleRole;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.control.Label;
import javafx.scene.paint.Color;
import javafx.scene.text.Font;
import javafx.scene.text.TextAlignment;
import org.kvscope.viz.ColorScales;
import org.kvscope.viz.VizStyle;
import org.kvscope.viz.VizTheme;
import org.kvscope.viz.data.NeedleGrid;

/**
 * Needle-in-a-haystack heatmap: context length across, needle depth down; each cell is coloured by success (blue)
 * or failure (orange) — a colour-blind-safe pair, never red/green — or by its value on the viridis scale, and shows
 * its value and, when known, the number of cases n behind it. The title wraps instead of being cut. Resizes with
 * its parent. Use on the JavaFX application thread.
 */
public class NeedleGridView extends CanvasRegion {

    /** What colours the cells. */
    public enum ColorBy {
        /** Blue for success, orange for failure (falls back to VALUE when success is unknown). */
        SUCCESS,
        /** The cell value on the viridis scale between the grid's minimum and maximum. */
        VALUE
    }

    /** Cell colour for a successful retrieval (light blue end of {@link ColorScales#ORANGE_BLUE}). */
    public static final Color SUCCESS_COLOR = ColorScales.ORANGE_BLUE.colorAt(1);
    /** Cell colour for a failed retrieval (orange end of {@link ColorScales#ORANGE_BLUE}). */
    public static final Color FAILURE_COLOR = ColorScales.ORANGE_BLUE.colorAt(0);

    private final Label title = new Label();
    private final ReadOnlyObjectWrapper<NeedleGrid> grid = new ReadOnlyObjectWrapper<>(this, "grid");
    private final ObjectProperty<ColorBy> colorBy = new SimpleObjectProperty<>(this, "colorBy", ColorBy.SUCCESS);
    private final DoubleProperty fontScale = new SimpleDoubleProperty(this, "fontScale", 1);
    /** Height kept for the title at least: the tallest title of the grids aligned with this one. */
    private double titleRoom;

    /** Empty view. */
    public NeedleGridView() {
        VizStyle.apply(this, "viz-view", "needle-grid");
        title.getStyleClass().add("title");
        title.setWrapText(true);
        getChildren().add(title); // over the canvas
        setAccessibleRole(AccessibleRole.IMAGE_VIEW);
        setAccessibleText("needle retrieval grid: no data");
        fontScale.bind(VizStyle.fontScaleProperty());
        fontScale.addListener((obs, o, n) -> {
            title.setFont(VizStyle.titleFont(n.doubleValue()));
            requestLayout();
        });
        colorBy.addListener((obs, o, n) -> redraw());
        VizTheme.redrawOnChange(this, this::redraw);
        setMinSize(160, 120);
        setPrefSize(420, 300);
    }

    /** Shows a grid (null clears). */
    public void setGrid(NeedleGrid newGrid) {
        grid.set(newGrid);
        title.setText(newGrid == null ? "" : titleText(newGrid));
        setAccessibleText(newGrid == null ? "needle retrieval grid: no data" : accessibleSummary(newGrid));
        requestLayout();
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

    /** Scale of the text drawn on the canvas (bound to {@link VizStyle#fontScaleProperty()} by default). */
    public DoubleProperty fontScaleProperty() {
        return fontScale;
    }

    public void setColorBy(ColorBy value) {
        colorBy.set(value);
    }

    /** The title label (wraps to as many lines as the width needs). */
    public Label title() {
        return title;
    }

    private static String titleText(NeedleGrid data) {
        String t = data.title();
        if (data.success() != null) {
            t += String.format(Locale.ROOT, " — %.0f%% retrieved", 100 * data.successRate());
        }
        return t;
    }

    private static String accessibleSummary(NeedleGrid data) {
        return "needle retrieval grid, " + titleText(data) + ": " + data.depths().length + " needle depths by "
                + data.lengths().length + " context lengths from " + data.lengths()[0] + " to "
                + data.lengths()[data.lengths().length - 1] + " tokens";
    }

    private double scale() {
        return VizStyle.clampScale(fontScale.get());
    }

    /** Width the title is laid out at: the view's width less 6 px each side. */
    private double titleWidth() {
        return Math.max(0, getWidth() - 12);
    }

    /** Height above the cells: this grid's title, or the tallest of the grids aligned with it. */
    private double titleHeight() {
        return Math.max(ownTitleHeight(), titleRoom);
    }

    private double ownTitleHeight() {
        return title.getText().isEmpty() ? 4 : snapSizeY(title.prefHeight(titleWidth())) + 2;
    }

    /**
     * Lines up grids shown side by side: each keeps room for the tallest of their titles, so a title that wraps
     * (a long policy name) does not push its cells below the others'.
     */
    public static void alignTitles(List<NeedleGridView> row) {
        Runnable align = () -> {
            double room = row.stream().mapToDouble(NeedleGridView::ownTitleHeight).max().orElse(0);
            row.forEach(v -> v.setTitleRoom(room));
        };
        row.forEach(v -> v.title.heightProperty().addListener((o, was, now) -> align.run()));
    }

    private void setTitleRoom(double room) {
        if (room != titleRoom) {
            titleRoom = room;
            requestLayout();
        }
    }

    private double leftWidth() {
        return 56 * scale();
    }

    private double bottomHeight() {
        return 36 * scale();
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
        double top = titleHeight();
        double cw = (getWidth() - leftWidth() - 8) / g.lengths().length;
        double ch = (getHeight() - top - bottomHeight()) / g.depths().length;
        return new Rectangle2D(leftWidth() + lengthIndex * cw, top + depthIndex * ch, cw, ch);
    }

    @Override
    protected void layoutChildren() {
        double w = snapSizeX(getWidth());
        title.resizeRelocate(6, 0, titleWidth(), title.prefHeight(titleWidth()));
        super.layoutChildren();
    }

    @Override
    void redraw() {
        GraphicsContext g = clearedContext();
        VizTheme.Palette palette = VizTheme.palette();
        NeedleGrid data = grid.get();
        if (data == null || getWidth() <= leftWidth() + 8 || getHeight() <= titleHeight() + bottomHeight()) {
            return;
        }
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
        Font font = VizStyle.labelFont(scale());
        g.setFont(font);
        g.setTextAlign(TextAlignment.CENTER);
        g.setTextBaseline(VPos.CENTER);
        for (int d = 0; d < data.depths().length; d++) {
            for (int l = 0; l < data.lengths().length; l++) {
                Rectangle2D r = cellBounds(d, l);
                double v = data.values()[d][l];
                Color fill;
                if (Double.isNaN(v) && !bySuccess) {
                    fill = palette.empty();
                } else if (bySuccess) {
                    fill = data.success()[d][l] ? SUCCESS_COLOR : FAILURE_COLOR;
                } else {
                    fill = ColorScales.VIRIDIS.colorAt(ColorScales.normalize(v, min, max, ColorScales.Mapping.LINEAR));
                }
                g.setFill(fill);
                g.fillRect(r.getMinX() + 1, r.getMinY() + 1, r.getWidth() - 2, r.getHeight() - 2);
                g.setFill(fill.getBrightness() < 0.6 ? VizTheme.DARK.text() : VizTheme.LIGHT.text());
                String value = Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.2f", v);
                drawCellText(g, r, value, data.count(d, l), font.getSize());
            }
        }
        drawAxes(g, data);
    }

    /** The value, and "n=…" under it when there is room (beside it otherwise). */
    private static void drawCellText(GraphicsContext g, Rectangle2D r, String value, int n, double fontPx) {
        double cx = r.getMinX() + r.getWidth() / 2;
        double cy = r.getMinY() + r.getHeight() / 2;
        if (n < 0) {
            g.fillText(value, cx, cy);
        } else if (r.getHeight() >= 2.4 * fontPx) {
            g.fillText(value, cx, cy - fontPx * 0.6);
            g.fillText("n=" + n, cx, cy + fontPx * 0.6);
        } else {
            g.fillText(value + " n=" + n, cx, cy);
        }
    }

    private void drawAxes(GraphicsContext g, NeedleGrid data) {
        g.setFill(VizTheme.palette().muted());
        g.setTextAlign(TextAlignment.RIGHT);
        for (int d = 0; d < data.depths().length; d++) {
            Rectangle2D r = cellBounds(d, 0);
            g.fillText(String.format(Locale.ROOT, "%.0f%%", data.depths()[d] * 100), leftWidth() - 6,
                    r.getMinY() + r.getHeight() / 2);
        }
        g.setTextAlign(TextAlignment.CENTER);
        double axisY = getHeight() - bottomHeight();
        for (int l = 0; l < data.lengths().length; l++) {
            Rectangle2D r = cellBounds(0, l);
            g.fillText(Integer.toString(data.lengths()[l]), r.getMinX() + r.getWidth() / 2, axisY + 9 * scale());
        }
        g.fillText("context length (tokens)", leftWidth() + (getWidth() - leftWidth() - 8) / 2, axisY + 26 * scale());
        g.save();
        double top = titleHeight();
        g.translate(12 * scale(), top + (getHeight() - top - bottomHeight()) / 2);
        g.rotate(-90);
        g.fillText("needle depth", 0, 0);
        g.restore();
    }
}
