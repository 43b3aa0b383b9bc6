package org.kvscope.viz.view;

import java.util.Locale;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.geometry.Point2D;
import javafx.geometry.Rectangle2D;
import javafx.geometry.VPos;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.image.WritableImage;
import javafx.scene.input.MouseEvent;
import javafx.scene.layout.Region;
import javafx.scene.paint.Color;
import javafx.scene.text.TextAlignment;
import org.kvscope.viz.ColorScale;
import org.kvscope.viz.ColorScales;
import org.kvscope.viz.VizStyle;
import org.kvscope.viz.data.AttentionMap;
import org.kvscope.viz.data.KeptMask;
import org.kvscope.viz.raster.Bins;
import org.kvscope.viz.raster.MaxPooling;
import org.kvscope.viz.raster.PooledGrid;

/**
 * Canvas heatmap of one {@link AttentionMap} (queries down, keys across) that fills its layout area.
 *
 * <p>The map is max-pooled to the plot's pixel size and coloured into an image once per data, size or colour
 * change. Evicted-key hatching from a {@link KeptMask} lives on a second canvas redrawn only when the mask (or data
 * or size) changes; sink markers and the hover box and text live on a third, cheap one. Several updates within one pulse are coalesced into one
 * redraw. Call all methods on the JavaFX application thread.
 */
public class AttentionHeatmapView extends Region {
    static final double PAD = 4;
    static final double TOP_STRIP = 16;
    static final double BOTTOM_STRIP = 20;
    private static final Color EVICTED_DIM = Color.rgb(255, 255, 255, 0.72);
    private static final Color EVICTED_HATCH = Color.rgb(90, 96, 110, 0.55);

    private final Canvas base = new Canvas();
    private final Canvas maskLayer = new Canvas();
    private final Canvas overlay = new Canvas();
    private final ReadOnlyObjectWrapper<AttentionMap> map = new ReadOnlyObjectWrapper<>(this, "map");
    private final ReadOnlyObjectWrapper<KeptMask> keptMask = new ReadOnlyObjectWrapper<>(this, "keptMask");
    private final ObjectProperty<ColorScales.Mapping> mapping =
            new SimpleObjectProperty<>(this, "mapping", ColorScales.Mapping.LINEAR);
    private final ObjectProperty<ColorScale> colorScale = new SimpleObjectProperty<>(this, "colorScale",
            ColorScales.VIRIDIS);
    private final IntegerProperty sinkCount = new SimpleIntegerProperty(this, "sinkCount", 4);
    private final ReadOnlyStringWrapper hoverText = new ReadOnlyStringWrapper(this, "hoverText", "");

    private PooledGrid grid;
    private int[] overlayPixels;
    private WritableImage overlayImage;
    private WritableImage image;
    private boolean poolDirty = true;
    private boolean colourDirty = true;
    private boolean maskDirty = true;
    private boolean overlayDirty = true;
    private int hoverPx = -1;
    private int hoverPy = -1;

    /** Creates an empty view; give it data with {@link #setMap(AttentionMap)}. */
    public AttentionHeatmapView() {
        VizStyle.apply(this, "viz-view", "attention-heatmap");
        maskLayer.setMouseTransparent(true);
        overlay.setMouseTransparent(true);
        getChildren().addAll(base, maskLayer, overlay);
        mapping.addListener((obs, o, n) -> {
            if (n == null) {
                mapping.set(ColorScales.Mapping.LINEAR);
            }
            invalidateColours();
        });
        colorScale.addListener((obs, o, n) -> {
            if (n == null) {
                colorScale.set(ColorScales.VIRIDIS);
            }
            invalidateColours();
        });
        sinkCount.addListener((obs, o, n) -> invalidateOverlay());
        setOnMouseMoved(this::onMouseMoved);
        setOnMouseExited(e -> setHover(-1, -1));
        setMinSize(60, 60);
        setPrefSize(480, 480);
    }

    /** Shows a new map (null clears). A kept mask whose length no longer matches the key count is dropped. */
    public void setMap(AttentionMap newMap) {
        map.set(newMap);
        KeptMask mask = keptMask.get();
        if (newMap == null || mask != null && mask.keyCount() != newMap.keyCount()) {
            keptMask.set(null);
        }
        poolDirty = true;
        setHover(-1, -1);
        invalidateOverlay();
    }

    /**
     * Overlays which keys a policy keeps (null removes the overlay).
     *
     * @throws IllegalArgumentException when no map is shown or the mask length differs from its key count
     */
    public void setKeptMask(KeptMask mask) {
        if (mask != null) {
            AttentionMap m = map.get();
            if (m == null) {
                throw new IllegalArgumentException("set an attention map before its kept mask");
            }
            if (mask.keyCount() != m.keyCount()) {
                throw new IllegalArgumentException("kept mask covers " + mask.keyCount()
                        + " keys but the attention map has " + m.keyCount() + " keys");
            }
        }
        keptMask.set(mask);
        maskDirty = true;
        requestLayout();
    }

    /** Shows a map together with its kept mask (mask may be null). */
    public void show(AttentionMap newMap, KeptMask mask) {
        setMap(newMap);
        setKeptMask(mask);
    }

    /** The map shown, or null. */
    public ReadOnlyObjectProperty<AttentionMap> mapProperty() {
        return map.getReadOnlyProperty();
    }

    /** The kept-key overlay, or null. */
    public ReadOnlyObjectProperty<KeptMask> keptMaskProperty() {
        return keptMask.getReadOnlyProperty();
    }

    /** Linear or log colour mapping of weights (default linear; null resets to linear). */
    public ObjectProperty<ColorScales.Mapping> mappingProperty() {
        return mapping;
    }

    /** Colour scale (default {@link ColorScales#VIRIDIS}; null resets to it). */
    public ObjectProperty<ColorScale> colorScaleProperty() {
        return colorScale;
    }

    /** Number of leading keys marked as attention sinks along the key axis (default 4; 0 hides the marker). */
    public IntegerProperty sinkCountProperty() {
        return sinkCount;
    }

    /** Text describing the hovered cell, e.g. {@code query #12 'dog' → key #3 'Lily': 0.184}; empty when none. */
    public ReadOnlyStringProperty hoverTextProperty() {
        return hoverText.getReadOnlyProperty();
    }

    public void setMapping(ColorScales.Mapping value) {
        mapping.set(value);
    }

    public ColorScales.Mapping getMapping() {
        return mapping.get();
    }

    public void setSinkCount(int value) {
        sinkCount.set(value);
    }

    public String getHoverText() {
        return hoverText.get();
    }

    /** Plot area in local coordinates (the heatmap image without the label strips). */
    public Rectangle2D plotArea() {
        double w = Math.floor(getWidth() - 2 * PAD);
        double h = Math.floor(getHeight() - TOP_STRIP - BOTTOM_STRIP);
        return new Rectangle2D(PAD, TOP_STRIP, Math.max(0, w), Math.max(0, h));
    }

    /** Local coordinates of the centre of the pixels showing cell (query, key) of the current map. */
    public Point2D cellCenter(int query, int key) {
        AttentionMap m = requireMap();
        if (query < 0 || query >= m.queryCount() || key < 0 || key >= m.keyCount()) {
            throw new IndexOutOfBoundsException("cell (" + query + ", " + key + ") outside 0.." + (m.queryCount() - 1)
                    + " x 0.." + (m.keyCount() - 1));
        }
        Rectangle2D plot = plotArea();
        int pw = (int) plot.getWidth();
        int ph = (int) plot.getHeight();
        double x = (Bins.firstPixel(key, m.keyCount(), pw) + Bins.lastPixel(key, m.keyCount(), pw) + 1) / 2.0;
        double y = (Bins.firstPixel(query, m.queryCount(), ph) + Bins.lastPixel(query, m.queryCount(), ph) + 1) / 2.0;
        return new Point2D(plot.getMinX() + x, plot.getMinY() + y);
    }

    private AttentionMap requireMap() {
        AttentionMap m = map.get();
        if (m == null) {
            throw new IllegalStateException("no attention map is shown");
        }
        return m;
    }

    private void invalidateColours() {
        colourDirty = true;
        requestLayout();
    }

    private void invalidateOverlay() {
        overlayDirty = true;
        requestLayout();
    }

    @Override
    protected void layoutChildren() {
        double w = snapSizeX(getWidth());
        double h = snapSizeY(getHeight());
        if (base.getWidth() != w || base.getHeight() != h) {
            base.setWidth(w);
            base.setHeight(h);
            maskLayer.setWidth(w);
            maskLayer.setHeight(h);
            overlay.setWidth(w);
            overlay.setHeight(h);
            poolDirty = true;
            overlayDirty = true;
        }
        if (poolDirty) {
            repool();
        }
        if (colourDirty) {
            recolour();
        }
        if (maskDirty) {
            drawMaskLayer();
        }
        if (overlayDirty) {
            drawOverlay();
        }
    }

    private void repool() {
        poolDirty = false;
        colourDirty = true;
        maskDirty = true;
        overlayDirty = true;
        Rectangle2D plot = plotArea();
        AttentionMap m = map.get();
        if (m == null || plot.getWidth() < 1 || plot.getHeight() < 1) {
            grid = null;
            image = null;
            return;
        }
        grid = MaxPooling.pool(m, (int) plot.getWidth(), (int) plot.getHeight());
        if (image == null || image.getWidth() != grid.width() || image.getHeight() != grid.height()) {
            image = new WritableImage(grid.width(), grid.height());
        }
    }

    private void recolour() {
        colourDirty = false;
        GraphicsContext g = base.getGraphicsContext2D();
        g.setFill(VizStyle.BACKGROUND);
        g.fillRect(0, 0, base.getWidth(), base.getHeight());
        Rectangle2D plot = plotArea();
        if (grid == null) {
            g.setFill(VizStyle.MUTED);
            g.setFont(VizStyle.LABEL_FONT);
            g.setTextAlign(TextAlignment.CENTER);
            g.setTextBaseline(VPos.CENTER);
            g.fillText("no attention data", base.getWidth() / 2, base.getHeight() / 2);
            return;
        }
        grid.writeTo(image.getPixelWriter(), colorScale.get(), mapping.get());
        g.drawImage(image, plot.getMinX(), plot.getMinY());
        g.setStroke(Color.web("#c9ccd3"));
        g.setLineWidth(1);
        g.strokeRect(plot.getMinX() - 0.5, plot.getMinY() - 0.5, plot.getWidth() + 1, plot.getHeight() + 1);
        g.setFill(VizStyle.MUTED);
        g.setFont(VizStyle.LABEL_FONT);
        g.setTextBaseline(VPos.BOTTOM);
        g.setTextAlign(TextAlignment.RIGHT);
        AttentionMap m = map.get();
        g.fillText(m.queryCount() + " queries ↓  ×  " + m.keyCount() + " keys →  ("
                        + mapping.get().name().toLowerCase(Locale.ROOT) + ", max " + formatWeight(grid.max()) + ")",
                plot.getMaxX(), plot.getMinY() - 2);
    }

    private void drawMaskLayer() {
        maskDirty = false;
        GraphicsContext g = maskLayer.getGraphicsContext2D();
        g.clearRect(0, 0, maskLayer.getWidth(), maskLayer.getHeight());
        AttentionMap m = map.get();
        if (grid != null && m != null) {
            drawEvicted(g, plotArea(), m);
        }
    }

    private void drawOverlay() {
        overlayDirty = false;
        GraphicsContext g = overlay.getGraphicsContext2D();
        g.clearRect(0, 0, overlay.getWidth(), overlay.getHeight());
        AttentionMap m = map.get();
        if (grid == null || m == null) {
            return;
        }
        Rectangle2D plot = plotArea();
        drawSinks(g, plot, m);
        drawHover(g, plot);
    }

    /**
     * Dims and hatches evicted key columns below their first visible row (the causal triangle stays clean). The
     * overlay is composed pixel by pixel into an image and drawn once: a clip to the staircase outline of many
     * evicted runs sends the software renderer down a slow blend path (hundreds of ms for a 512-token map).
     */
    private void drawEvicted(GraphicsContext g, Rectangle2D plot, AttentionMap m) {
        KeptMask mask = keptMask.get();
        if (mask == null) {
            return;
        }
        int pw = grid.width(), ph = grid.height();
        int kc = m.keyCount();
        if (overlayPixels == null || overlayPixels.length != pw * ph) {
            overlayPixels = new int[pw * ph];
        }
        int[] px = overlayPixels;
        java.util.Arrays.fill(px, 0);
        int dim = argb(EVICTED_DIM), hatch = argb(EVICTED_HATCH);
        boolean any = false;
        for (int x = 0; x < pw; x++) {
            int k0 = Bins.start(x, kc, pw);
            int k1 = Bins.end(x, kc, pw);
            int evictedKeys = 0;
            for (int k = k0; k < k1; k++) {
                if (!mask.isKept(k)) {
                    evictedKeys++;
                }
            }
            if (evictedKeys * 2 <= k1 - k0) {
                continue;
            }
            any = true;
            for (int y = firstVisibleRow(x); y < ph; y++) {
                // hatch lines run bottom-left to top-right, 6 px apart
                px[y * pw + x] = Math.floorMod(x - (ph - y), 6) == 0 ? hatch : dim;
            }
        }
        if (!any) {
            return;
        }
        if (overlayImage == null || (int) overlayImage.getWidth() != pw || (int) overlayImage.getHeight() != ph) {
            overlayImage = new WritableImage(pw, ph);
        }
        overlayImage.getPixelWriter().setPixels(0, 0, pw, ph, javafx.scene.image.PixelFormat.getIntArgbInstance(),
                px, 0, pw);
        g.drawImage(overlayImage, plot.getMinX(), plot.getMinY(), plot.getWidth(), plot.getHeight());
    }

    private static int argb(Color c) {
        return ((int) Math.round(c.getOpacity() * 255) << 24) | ((int) Math.round(c.getRed() * 255) << 16)
                | ((int) Math.round(c.getGreen() * 255) << 8) | (int) Math.round(c.getBlue() * 255);
    }

    private int firstVisibleRow(int px) {
        int w = grid.width();
        byte[] states = grid.states();
        for (int py = 0; py < grid.height(); py++) {
            if (states[py * w + px] != PooledGrid.CAUSAL) {
                return py;
            }
        }
        return grid.height();
    }

    private void drawSinks(GraphicsContext g, Rectangle2D plot, AttentionMap m) {
        int sinks = Math.min(sinkCount.get(), m.keyCount());
        if (sinks <= 0) {
            return;
        }
        int pw = grid.width();
        int first = Bins.firstPixel(0, m.keyCount(), pw);
        int last = Bins.lastPixel(sinks - 1, m.keyCount(), pw);
        double x = plot.getMinX() + first;
        double w = Math.max(2, last - first + 1);
        g.setFill(VizStyle.SINK);
        g.fillRect(x, plot.getMinY() - 5, w, 4);
        g.setFont(VizStyle.LABEL_FONT);
        g.setTextAlign(TextAlignment.LEFT);
        g.setTextBaseline(VPos.BOTTOM);
        g.fillText("sink ×" + sinks, x, plot.getMinY() - 5);
    }

    private void drawHover(GraphicsContext g, Rectangle2D plot) {
        g.setFont(VizStyle.LABEL_FONT);
        g.setTextAlign(TextAlignment.LEFT);
        g.setTextBaseline(VPos.CENTER);
        double textY = plot.getMaxY() + BOTTOM_STRIP / 2 + 1;
        if (hoverPx < 0) {
            g.setFill(VizStyle.MUTED);
            g.fillText("hover a cell for its weight", plot.getMinX(), textY);
            return;
        }
        AttentionMap m = map.get();
        int pw = grid.width();
        int ph = grid.height();
        int k0 = Bins.start(hoverPx, m.keyCount(), pw);
        int q0 = Bins.start(hoverPy, m.queryCount(), ph);
        double x0 = Bins.firstPixel(k0, m.keyCount(), pw);
        double x1 = Bins.lastPixel(Bins.end(hoverPx, m.keyCount(), pw) - 1, m.keyCount(), pw) + 1;
        double y0 = Bins.firstPixel(q0, m.queryCount(), ph);
        double y1 = Bins.lastPixel(Bins.end(hoverPy, m.queryCount(), ph) - 1, m.queryCount(), ph) + 1;
        g.setStroke(VizStyle.HIGHLIGHT);
        g.setLineWidth(1.5);
        g.strokeRect(plot.getMinX() + x0 - 1, plot.getMinY() + y0 - 1, x1 - x0 + 2, y1 - y0 + 2);
        g.setFill(VizStyle.TEXT);
        g.fillText(hoverText.get(), plot.getMinX(), textY);
    }

    private void onMouseMoved(MouseEvent e) {
        Rectangle2D plot = plotArea();
        if (grid == null || !plot.contains(e.getX(), e.getY())) {
            setHover(-1, -1);
            return;
        }
        int px = Math.min(grid.width() - 1, (int) (e.getX() - plot.getMinX()));
        int py = Math.min(grid.height() - 1, (int) (e.getY() - plot.getMinY()));
        setHover(px, py);
    }

    private void setHover(int px, int py) {
        if (px == hoverPx && py == hoverPy) {
            return;
        }
        hoverPx = px;
        hoverPy = py;
        AttentionMap m = map.get();
        hoverText.set(px < 0 || m == null || grid == null ? "" : describePixel(m, px, py));
        invalidateOverlay();
    }

    /** Describes the strongest visible cell under a pixel (the one max-pooling showed). */
    private String describePixel(AttentionMap m, int px, int py) {
        int k0 = Bins.start(px, m.keyCount(), grid.width());
        int k1 = Bins.end(px, m.keyCount(), grid.width());
        int q0 = Bins.start(py, m.queryCount(), grid.height());
        int q1 = Bins.end(py, m.queryCount(), grid.height());
        int bestQ = -1;
        int bestK = -1;
        float best = Float.NEGATIVE_INFINITY;
        int visibleQ = -1;
        int visibleK = -1;
        for (int q = q0; q < q1; q++) {
            for (int k = k0; k < k1; k++) {
                if (m.isCausallyMasked(q, k)) {
                    continue;
                }
                if (visibleQ < 0) {
                    visibleQ = q;
                    visibleK = k;
                }
                float w = m.weight(q, k);
                if (w > best) {
                    best = w;
                    bestQ = q;
                    bestK = k;
                }
            }
        }
        if (bestQ >= 0) {
            return describeCell(m, bestQ, bestK, formatWeight(best));
        }
        if (visibleQ >= 0) {
            return describeCell(m, visibleQ, visibleK, "not computed");
        }
        return describeCell(m, q0, k0, "masked (future key)");
    }

    private static String describeCell(AttentionMap m, int q, int k, String value) {
        return "query #" + m.queryPositions()[q] + " '" + printable(m.queryTokens().get(q)) + "' → key #"
                + m.keyPositions()[k] + " '" + printable(m.keyTokens().get(k)) + "': " + value;
    }

    static String printable(String token) {
        String s = token.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r");
        return s.length() > 24 ? s.substring(0, 23) + "…" : s;
    }

    private static String formatWeight(double w) {
        return String.format(Locale.ROOT, "%.3f", w);
    }
}
