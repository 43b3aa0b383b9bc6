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
import javafx.geometry.Rectangle2D;
import javafx.geometry.VPos;
import javafx.scene.AccessibleRole;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.image.PixelFormat;
import javafx.scene.image.WritableImage;
import javafx.scene.input.MouseEvent;
import javafx.scene.text.Font;
import javafx.scene.text.TextAlignment;
import org.kvscope.viz.ColorScale;
import org.kvscope.viz.ColorScales;
import org.kvscope.viz.VizStyle;
import org.kvscope.viz.VizTheme;
import org.kvscope.viz.data.MeanAttentionRows;
import org.kvscope.viz.raster.Bins;

/**
 * The PyramidKV figure: one row per layer (layer 0 at the top) showing the mean attention over key positions,
 * each row coloured relative to its own maximum so that a broad row (lower layers) and a concentrated one (upper
 * layers) are told apart at a glance. Columns are max-pooled when there are more keys than pixels. Hover a cell for
 * its layer, key position and value. Use on the JavaFX application thread.
 */
public class MeanAttentionRowsView extends CanvasRegion {
    private final ReadOnlyObjectWrapper<MeanAttentionRows> data = new ReadOnlyObjectWrapper<>(this, "data");
    private final ReadOnlyStringWrapper hoverText = new ReadOnlyStringWrapper(this, "hoverText", "");
    private final DoubleProperty fontScale = new SimpleDoubleProperty(this, "fontScale", 1);
    private final IntegerProperty selectedLayer = new SimpleIntegerProperty(this, "selectedLayer", -1);
    private WritableImage image;
    private int[] argb = new int[0];

    /** Empty view. */
    public MeanAttentionRowsView() {
        VizStyle.apply(this, "viz-view", "mean-attention-rows");
        setAccessibleRole(AccessibleRole.IMAGE_VIEW);
        setAccessibleText("mean attention by layer: no data");
        fontScale.bind(VizStyle.fontScaleProperty());
        fontScale.addListener((obs, o, n) -> requestLayout());
        VizTheme.redrawOnChange(this, this::redraw);
        selectedLayer.addListener((obs, o, n) -> redraw());
        setOnMouseMoved(this::onMouseMoved);
        setOnMouseExited(e -> hover(""));
        setMinSize(160, 100);
        setPrefSize(480, 260);
    }

    /** Shows new rows (null clears). */
    public void setData(MeanAttentionRows rows) {
        data.set(rows);
        setAccessibleText(rows == null ? "mean attention by layer: no data" : summary(rows));
        requestLayout();
        redraw();
    }

    /** The rows shown, or null. */
    public ReadOnlyObjectProperty<MeanAttentionRows> dataProperty() {
        return data.getReadOnlyProperty();
    }

    /** E.g. {@code L3 · key #120: 2.30e-03 (41% of the row's maximum)}; empty when nothing is hovered. */
    public ReadOnlyStringProperty hoverTextProperty() {
        return hoverText.getReadOnlyProperty();
    }

    /** Scale of the text drawn on the canvas (bound to {@link VizStyle#fontScaleProperty()} by default). */
    public DoubleProperty fontScaleProperty() {
        return fontScale;
    }

    /** The layer outlined (e.g. the one shown in the heatmap); -1 for none. */
    public IntegerProperty selectedLayerProperty() {
        return selectedLayer;
    }

    private double scale() {
        return VizStyle.clampScale(fontScale.get());
    }

    /** Where the rows are drawn, in local coordinates. */
    public Rectangle2D plotArea() {
        double s = scale();
        return new Rectangle2D(34 * s, 18 * s, Math.max(1, getWidth() - 34 * s - 8),
                Math.max(1, getHeight() - 18 * s - 22 * s));
    }

    /** Share of a layer's keys that hold half of its row's mean attention: small = concentrated. */
    static double halfMassShare(double[] row) {
        double[] sorted = row.clone();
        java.util.Arrays.sort(sorted);
        double total = 0;
        int n = 0;
        for (double v : sorted) {
            if (!Double.isNaN(v)) {
                total += v;
                n++;
            }
        }
        double acc = 0;
        int used = 0;
        for (int i = n - 1; i >= 0 && acc < total / 2; i--) {
            acc += sorted[i];
            used++;
        }
        return n == 0 ? Double.NaN : used / (double) n;
    }

    private static String summary(MeanAttentionRows rows) {
        StringBuilder sb = new StringBuilder("mean attention over " + rows.keys() + " key positions for "
                + rows.layers() + " layers; share of keys holding half the attention:");
        for (int l = 0; l < rows.layers(); l++) {
            sb.append(String.format(Locale.ROOT, " layer %d %.0f%%%s", l, 100 * halfMassShare(rows.rows()[l]),
                    l + 1 < rows.layers() ? "," : ""));
        }
        return sb.toString();
    }

    @Override
    void redraw() {
        GraphicsContext g = clearedContext();
        VizTheme.Palette palette = VizTheme.palette();
        MeanAttentionRows rows = data.get();
        Rectangle2D plot = plotArea();
        Font font = VizStyle.labelFont(scale());
        g.setFont(font);
        if (rows == null || plot.getWidth() < 2 || plot.getHeight() < 2) {
            return;
        }
        int pw = Math.min(rows.keys(), (int) plot.getWidth());
        int ph = rows.layers();
        if (argb.length != pw * ph) {
            argb = new int[pw * ph];
        }
        ColorScale scale = ColorScales.VIRIDIS;
        for (int l = 0; l < ph; l++) {
            double max = rows.rowMax(l);
            double[] row = rows.rows()[l];
            for (int px = 0; px < pw; px++) {
                double best = Double.NaN;
                for (int k = Bins.start(px, rows.keys(), pw), end = Bins.end(px, rows.keys(), pw); k < end; k++) {
                    if (!Double.isNaN(row[k]) && !(row[k] <= best)) {
                        best = row[k];
                    }
                }
                argb[l * pw + px] = Double.isNaN(best) ? palette.emptyArgb() : scale.argbAt(max > 0 ? best / max : 0);
            }
        }
        if (image == null || (int) image.getWidth() != pw || (int) image.getHeight() != ph) {
            image = new WritableImage(pw, ph);
        }
        image.getPixelWriter().setPixels(0, 0, pw, ph, PixelFormat.getIntArgbInstance(), argb, 0, pw);
        g.setImageSmoothing(false);
        g.drawImage(image, plot.getMinX(), plot.getMinY(), plot.getWidth(), plot.getHeight());
        g.setFill(palette.muted());
        g.setTextBaseline(VPos.CENTER);
        g.setTextAlign(TextAlignment.RIGHT);
        double rowH = plot.getHeight() / ph;
        int stride = HeatmapAxes.niceStride((font.getSize() + 2) / rowH);
        for (int l = 0; l < ph; l += stride) {
            g.fillText("L" + l, plot.getMinX() - 4, plot.getMinY() + (l + 0.5) * rowH);
        }
        int sel = selectedLayer.get();
        if (sel >= 0 && sel < ph) {
            g.setStroke(VizStyle.HIGHLIGHT);
            g.setLineWidth(2);
            g.strokeRect(plot.getMinX() + 1, plot.getMinY() + sel * rowH + 1, plot.getWidth() - 2,
                    Math.max(2, rowH - 2));
            g.setFill(VizStyle.HIGHLIGHT);
            g.setTextAlign(TextAlignment.RIGHT);
            g.fillText("L" + sel, plot.getMinX() - 4, plot.getMinY() + (sel + 0.5) * rowH);
            g.setFill(palette.muted());
        }
        g.setTextAlign(TextAlignment.LEFT);
        g.fillText("mean attention per key, each layer relative to its maximum", plot.getMinX(), 9 * scale());
        g.setTextAlign(TextAlignment.CENTER);
        int kStride = HeatmapAxes.niceStride(font.getSize() * 4 / (plot.getWidth() / rows.keys()));
        for (int k = 0; k < rows.keys(); k += kStride) {
            g.fillText("#" + rows.keyPositions()[k], plot.getMinX() + (k + 0.5) * plot.getWidth() / rows.keys(),
                    plot.getMaxY() + 10 * scale());
        }
    }

    private void onMouseMoved(MouseEvent e) {
        MeanAttentionRows rows = data.get();
        Rectangle2D plot = plotArea();
        if (rows == null || !plot.contains(e.getX(), e.getY())) {
            hover("");
            return;
        }
        int l = Math.min(rows.layers() - 1, (int) ((e.getY() - plot.getMinY()) / plot.getHeight() * rows.layers()));
        int k = Math.min(rows.keys() - 1, (int) ((e.getX() - plot.getMinX()) / plot.getWidth() * rows.keys()));
        double v = rows.rows()[l][k];
        double max = rows.rowMax(l);
        hover(String.format(Locale.ROOT, "L%d · key #%d: %s (%.0f%% of the row's maximum)", l, rows.keyPositions()[k],
                WeightFormat.weight(v), max > 0 ? 100 * v / max : 0));
    }

    private void hover(String text) {
        hoverText.set(text);
        setAccessibleHelp(text);
    }
}
