package org.kvscope.viz.view;

import java.util.List;
import java.util.Locale;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.geometry.Point2D;
import javafx.geometry.Rectangle2D;
import javafx.geometry.VPos;
import javafx.scene.AccessibleRole;
import javafx.scene.Cursor;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.image.PixelFormat;
import javafx.scene.image.WritableImage;
import javafx.scene.input.MouseButton;
import javafx.scene.input.MouseEvent;
import javafx.scene.input.ScrollEvent;
import javafx.scene.layout.Region;
import javafx.scene.paint.Color;
import javafx.scene.text.Font;
import javafx.scene.text.TextAlignment;
import org.kvscope.viz.ColorScale;
import org.kvscope.viz.ColorScales;
import org.kvscope.viz.VizStyle;
import org.kvscope.viz.VizTheme;
import org.kvscope.viz.data.AttentionMap;
import org.kvscope.viz.data.KeptMask;
import org.kvscope.viz.data.LayerHead;
import org.kvscope.viz.raster.Bins;
import org.kvscope.viz.raster.ValueScale;

/**
 * Canvas heatmap of one {@link AttentionMap}: queries down, keys across, square cells (letterboxed), token text on
 * both axes wherever it fits (rotated on the key axis) or position ticks where it does not, a colour bar with its
 * ticks, a strip under the key axis showing at key resolution which keys a {@link KeptMask} keeps (evicted columns
 * are dimmed), sink marks, and a hover read-out.
 *
 * <p>Zoom with the mouse wheel (around the cursor), pan by dragging, double-click or {@link #fit()} to show the
 * whole map; {@link #showKeys(int, int)} zooms to a key range (for a range slider). The visible rectangle is pooled
 * (max-pooling) only when it has more cells than pixels; otherwise one pixel per cell is scaled up without
 * smoothing. Colours are fixed per map and options (linear or log, optional per-row normalisation and percentile
 * clipping), so zooming never changes them.
 *
 * <p>Everything proportional to the map or the raster (colour range, pooling, colouring, dimming, the kept strip's
 * columns) is computed off the FX thread by a {@link HeatmapRenderer}, latest request wins; the FX thread only copies
 * the finished pixels into an image. Until they arrive the view keeps drawing the previous raster, moved and scaled
 * to the new viewport when the map has the same shape (a zoom, a pan, another head), else an empty placeholder;
 * {@link #renderedProperty()} tells when the raster on screen is the current one. Axes, labels and the viewport follow
 * at once. Call all methods on the JavaFX application thread.
 */
public class AttentionHeatmapView extends Region implements BackgroundRendering {
    /** Largest cell side in pixels that zooming reaches. */
    public static final double MAX_CELL = 48;
    private static final double ZOOM_PER_NOTCH = 1.25;

    /**
     * The part of the map on screen: keys {@code [keyFrom, keyTo)} × queries {@code [queryFrom, queryTo)} at
     * {@code cellSize} pixels per cell; {@code fit} when the whole map is shown.
     */
    public record Viewport(int keyFrom, int keyTo, int queryFrom, int queryTo, double cellSize, boolean fit) {
    }

    /** How the sink marker above the first keys is labelled, longest first. */
    public enum SinkLabel {
        /** "sink ×n". */
        WORD,
        /** "×n". */
        COUNT,
        /** No text: the purple bar alone. */
        NONE;

        /** The shorter of two forms. */
        public SinkLabel shorter(SinkLabel other) {
            return other == null || ordinal() >= other.ordinal() ? this : other;
        }

        String text(int sinks) {
            return switch (this) {
                case WORD -> "sink ×" + sinks;
                case COUNT -> "×" + sinks;
                case NONE -> "";
            };
        }
    }

    private final Canvas base = new Canvas();
    private final Canvas overlay = new Canvas();
    private final ReadOnlyObjectWrapper<AttentionMap> map = new ReadOnlyObjectWrapper<>(this, "map");
    private final ReadOnlyObjectWrapper<KeptMask> keptMask = new ReadOnlyObjectWrapper<>(this, "keptMask");
    private final ObjectProperty<ColorScales.Mapping> mapping =
            new SimpleObjectProperty<>(this, "mapping", ColorScales.Mapping.LINEAR);
    private final ObjectProperty<ColorScale> colorScale = new SimpleObjectProperty<>(this, "colorScale",
            ColorScales.VIRIDIS);
    private final BooleanProperty rowNormalised = new SimpleBooleanProperty(this, "rowNormalised", false);
    private final BooleanProperty queryAxisVisible = new SimpleBooleanProperty(this, "queryAxisVisible", true);
    private final BooleanProperty colourBarVisible = new SimpleBooleanProperty(this, "colourBarVisible", true);
    private final DoubleProperty clipPercentile = new SimpleDoubleProperty(this, "clipPercentile", Double.NaN) {
        @Override
        public void set(double p) {
            if (!Double.isNaN(p) && !(p > 0 && p <= 100)) {
                throw new IllegalArgumentException("clipping percentile must be in (0, 100] or NaN for none but was "
                        + p);
            }
            super.set(p);
        }
    };
    private final ObjectProperty<LayerHead> head = new SimpleObjectProperty<>(this, "head");
    private final ObjectProperty<Color> keptColor = new SimpleObjectProperty<>(this, "keptColor", VizStyle.POLICY_A);
    private final DoubleProperty fontScale = new SimpleDoubleProperty(this, "fontScale", 1);
    private final IntegerProperty sinkCount = new SimpleIntegerProperty(this, "sinkCount", 4);
    private final ReadOnlyStringWrapper hoverText = new ReadOnlyStringWrapper(this, "hoverText", "");
    private final ReadOnlyObjectWrapper<Viewport> viewport = new ReadOnlyObjectWrapper<>(this, "viewport");
    private final ReadOnlyBooleanWrapper rendered = new ReadOnlyBooleanWrapper(this, "rendered", true);
    private final ReadOnlyObjectWrapper<SinkLabel> sinkLabelRoom =
            new ReadOnlyObjectWrapper<>(this, "sinkLabelRoom", SinkLabel.WORD);
    private final ObjectProperty<SinkLabel> sinkLabelLimit =
            new SimpleObjectProperty<>(this, "sinkLabelLimit", SinkLabel.WORD);
    private final ReadOnlyObjectWrapper<SinkLabel> sinkLabel = new ReadOnlyObjectWrapper<>(this, "sinkLabel",
            SinkLabel.WORD);
    private final HeatmapRenderer renderer = new HeatmapRenderer();

    private boolean fitMode = true;
    private double cellSize = 1;
    private int originKey;
    private int originQuery;

    private HeatmapAxes.Frame frame;
    /** The raster on screen (null before the first) and its pixels; {@link #pending} is being computed. */
    private HeatmapRenderer.Raster shown;
    private HeatmapRenderer.Request pending;
    private WritableImage image;
    private final WritableImage gradient = new WritableImage(1, 128);
    private boolean contentDirty = true;
    private boolean rasterDirty = true;
    private boolean baseDirty = true;
    private boolean overlayDirty = true;
    private int hoverPx = -1;
    private int hoverPy = -1;
    private double dragX;
    private double dragY;
    private int dragKey;
    private int dragQuery;
    private final javafx.scene.text.Text measure = new javafx.scene.text.Text();
    private Captions captions = new Captions("", null, "", null);

    /** Creates an empty view; give it data with {@link #setMap(AttentionMap)}. */
    public AttentionHeatmapView() {
        VizStyle.apply(this, "viz-view", "attention-heatmap");
        overlay.setMouseTransparent(true);
        base.setMouseTransparent(true);
        getChildren().addAll(base, overlay);
        setAccessibleRole(AccessibleRole.IMAGE_VIEW);
        setAccessibleRoleDescription("attention heatmap");
        fontScale.bind(VizStyle.fontScaleProperty());
        mapping.addListener((obs, o, n) -> {
            if (n == null) {
                mapping.set(ColorScales.Mapping.LINEAR);
            }
            invalidateRaster();
        });
        colorScale.addListener((obs, o, n) -> {
            if (n == null) {
                colorScale.set(ColorScales.VIRIDIS);
            }
            invalidateRaster();
        });
        rowNormalised.addListener((obs, o, n) -> invalidateRaster());
        queryAxisVisible.addListener((obs, o, n) -> invalidateContent());
        colourBarVisible.addListener((obs, o, n) -> invalidateContent());
        clipPercentile.addListener((obs, o, n) -> invalidateRaster());
        head.addListener((obs, o, n) -> {
            refreshHover();
            invalidateBase();
        });
        keptColor.addListener((obs, o, n) -> invalidateBase());
        fontScale.addListener((obs, o, n) -> invalidateContent());
        VizTheme.redrawOnChange(this, this::invalidateContent);
        sinkCount.addListener((obs, o, n) -> invalidateBase());
        sinkLabelLimit.addListener((obs, o, n) -> invalidateBase());
        keptMask.addListener((obs, o, n) -> updateAccessibleText());
        head.addListener((obs, o, n) -> updateAccessibleText());
        setOnMouseMoved(this::onMouseMoved);
        setOnMouseExited(e -> setHover(-1, -1));
        setOnScroll(this::onScroll);
        setOnMousePressed(this::onPressed);
        setOnMouseDragged(this::onDragged);
        setOnMouseReleased(e -> setCursor(fitMode ? Cursor.DEFAULT : Cursor.OPEN_HAND));
        setOnMouseClicked(e -> {
            if (e.getButton() == MouseButton.PRIMARY && e.getClickCount() == 2) {
                fit();
            }
        });
        setMinSize(120, 120);
        setPrefSize(480, 480);
    }

    /**
     * Shows a new map (null clears). A kept mask whose length no longer matches the key count is dropped. The zoom
     * and pan stay when the new map has the same shape (another head of the same capture), otherwise it fits.
     */
    public void setMap(AttentionMap newMap) {
        AttentionMap old = map.get();
        map.set(newMap);
        KeptMask mask = keptMask.get();
        if (newMap == null || mask != null && mask.keyCount() != newMap.keyCount()) {
            keptMask.set(null);
        }
        if (old == null || newMap == null || old.keyCount() != newMap.keyCount()
                || old.queryCount() != newMap.queryCount()) {
            fitMode = true;
            originKey = 0;
            originQuery = 0;
        }
        setHover(-1, -1);
        updateAccessibleText();
        invalidateContent();
    }

    /**
     * Shows which keys a policy keeps (null removes the strip and the dimming).
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
        refreshHover();
        invalidateRaster();
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

    /** The kept-key mask, or null. */
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

    /** Divide each query row by its largest weight before colouring (default false). */
    public BooleanProperty rowNormalisedProperty() {
        return rowNormalised;
    }

    /**
     * Whether the query labels are drawn left of the map (default true). Two maps side by side that show the same
     * rows (Compare's A and B) need them once; without them the map takes their width.
     */
    public BooleanProperty queryAxisVisibleProperty() {
        return queryAxisVisible;
    }

    /** Whether the colour bar is drawn right of the map (default true); without it the map takes its width. */
    public BooleanProperty colourBarVisibleProperty() {
        return colourBarVisible;
    }

    /**
     * Saturate the colour scale at this percentile of the visible weights, e.g. 99 (default NaN: the maximum).
     * Values outside (0, 100] other than NaN are refused with an {@link IllegalArgumentException}.
     */
    public DoubleProperty clipPercentileProperty() {
        return clipPercentile;
    }

    /** The layer and head the map belongs to, named in the read-out and the accessible text (may be null). */
    public ObjectProperty<LayerHead> headProperty() {
        return head;
    }

    /** Colour of kept keys in the strip under the key axis (default {@link VizStyle#POLICY_A}). */
    public ObjectProperty<Color> keptColorProperty() {
        return keptColor;
    }

    /**
     * Scale of all text drawn on the canvas (1 = normal). Bound to {@link VizStyle#fontScaleProperty()} by default;
     * unbind it to set a value of this view alone.
     */
    public DoubleProperty fontScaleProperty() {
        return fontScale;
    }

    /** Number of leading keys marked as attention sinks along the key axis (default 4; 0 hides the marker). */
    public IntegerProperty sinkCountProperty() {
        return sinkCount;
    }

    /**
     * The longest sink label that fits between the sink marker and the title at the current size and font (updated
     * when the view is drawn; {@link SinkLabel#WORD} until then).
     */
    public ReadOnlyObjectProperty<SinkLabel> sinkLabelRoomProperty() {
        return sinkLabelRoom.getReadOnlyProperty();
    }

    /**
     * The longest sink label drawn (default {@link SinkLabel#WORD}; null means the same). Heatmaps shown side by side
     * bind it to the shorter of their {@linkplain #sinkLabelRoomProperty() rooms} so that they label alike.
     */
    public ObjectProperty<SinkLabel> sinkLabelLimitProperty() {
        return sinkLabelLimit;
    }

    /** The sink label as last drawn: the shorter of the room and the limit. */
    public ReadOnlyObjectProperty<SinkLabel> sinkLabelProperty() {
        return sinkLabel.getReadOnlyProperty();
    }

    /**
     * Text describing the hovered cell, e.g. {@code L2 H5 · query #12 'dog' → key #3 'Lily': 1.84e-04 · kept};
     * empty when none. The view draws it once, under the plot.
     */
    public ReadOnlyStringProperty hoverTextProperty() {
        return hoverText.getReadOnlyProperty();
    }

    /**
     * Whether the raster on screen is the one for the current map, options, viewport, size and kept mask; false from
     * a change until its raster, computed in the background, has been drawn (a view that is never laid out stays
     * false). True without a map.
     */
    @Override
    public ReadOnlyBooleanProperty renderedProperty() {
        return rendered.getReadOnlyProperty();
    }

    /** What part of the map is on screen (null before the first layout with a map). */
    public ReadOnlyObjectProperty<Viewport> viewportProperty() {
        return viewport.getReadOnlyProperty();
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

    /** The viewport after any pending layout. */
    public Viewport getViewport() {
        layout();
        return viewport.get();
    }

    /** Shows the whole map (square cells, letterboxed). */
    public void fit() {
        fitMode = true;
        originKey = 0;
        originQuery = 0;
        setCursor(Cursor.DEFAULT);
        invalidateContent();
    }

    /**
     * Zooms by {@code factor} (&gt; 1 magnifies) keeping the cell under local point (x, y) in place; the cell size
     * stays between the fitted size and {@link #MAX_CELL}.
     */
    public void zoom(double factor, double x, double y) {
        AttentionMap m = map.get();
        if (m == null || !(factor > 0)) {
            return;
        }
        layout();
        Rectangle2D area = plotArea();
        double fitCell = fitCell(m, area);
        double current = fitMode ? fitCell : cellSize;
        double next = Math.clamp(current * factor, fitCell, Math.max(fitCell, MAX_CELL));
        HeatmapAxes.Frame f = frame != null ? frame : layoutFrame(m, area);
        double cellKey = originKey + (x - f.image().getMinX()) / current;
        double cellQuery = originQuery + (y - f.image().getMinY()) / current;
        if (next <= fitCell * 1.0001) {
            fit();
            return;
        }
        fitMode = false;
        cellSize = next;
        originKey = anchoredOrigin(cellKey, x, area.getMinX(), area.getWidth(), m.keyCount(), next);
        originQuery = anchoredOrigin(cellQuery, y, area.getMinY(), area.getHeight(), m.queryCount(), next);
        clampOrigin(m, area);
        setCursor(Cursor.OPEN_HAND);
        invalidateContent();
    }

    /**
     * First visible cell that puts fractional cell {@code cell} under {@code pointer} at cell size {@code next},
     * given that the image is centred in [areaMin, areaMin + areaLen) as {@link #layoutFrame} does.
     */
    private static int anchoredOrigin(double cell, double pointer, double areaMin, double areaLen, int count,
                                      double next) {
        int visible = (int) Math.floor(areaLen / next + 1e-9);
        if (visible >= count) {
            return 0;
        }
        double offset = Math.floor((areaLen - visible * next) / 2);
        return (int) Math.round(cell - (pointer - areaMin - offset) / next);
    }

    /** Zooms so that keys {@code [from, to)} fill the plot width, with queries from {@code from} at the top. */
    public void showKeys(int from, int to) {
        AttentionMap m = map.get();
        if (m == null) {
            return;
        }
        int lo = Math.clamp(from, 0, m.keyCount() - 1);
        int hi = Math.clamp(to, lo + 1, m.keyCount());
        Rectangle2D area = plotArea();
        double fitCell = fitCell(m, area);
        double next = Math.min(Math.max(fitCell, MAX_CELL), area.getWidth() / (hi - lo));
        if (next <= fitCell * 1.0001 || lo == 0 && hi == m.keyCount()) {
            fit();
            return;
        }
        fitMode = false;
        cellSize = next;
        originKey = lo;
        originQuery = Math.min(lo, m.queryCount() - 1);
        clampOrigin(m, area);
        invalidateContent();
    }

    /** Moves the view by whole cells (positive: towards later keys / queries). */
    public void pan(int keys, int queries) {
        AttentionMap m = map.get();
        if (m == null || fitMode) {
            return;
        }
        originKey += keys;
        originQuery += queries;
        clampOrigin(m, plotArea());
        invalidateContent();
    }

    /** The area the image may use, in local coordinates (the image is letterboxed inside it). */
    public Rectangle2D plotArea() {
        double f = scale();
        double left = queryAxisVisible.get() ? 74 * f : 8;
        double right = colourBarVisible.get() ? 56 * f + 18 : 8;
        return new Rectangle2D(left, topMargin(), Math.max(1, getWidth() - left - right),
                Math.max(1, getHeight() - topMargin() - bottomMargin()));
    }

    /**
     * The height the view needs for a plot area {@code plotHeight} pixels high at the current font scale: the plot
     * plus the title line above it and the kept strip, key labels and hover line under it.
     */
    public double heightForPlot(double plotHeight) {
        return topMargin() + plotHeight + bottomMargin();
    }

    /** Room above the plot: the title and the sink label. */
    private double topMargin() {
        return 20 * scale();
    }

    /** Room under the plot: the kept strip, the key labels and the hover line. */
    private double bottomMargin() {
        return HeatmapAxes.STRIP_H + 6 + keySpace() + 20 * scale();
    }

    /** Where the image of the visible cells is drawn, in local coordinates (null when nothing is shown). */
    public Rectangle2D imageBounds() {
        layout();
        return frame == null ? null : frame.image();
    }

    /** Local coordinates of the centre of the pixels showing cell (query, key), which must be on screen. */
    public Point2D cellCenter(int query, int key) {
        AttentionMap m = requireMap();
        if (query < 0 || query >= m.queryCount() || key < 0 || key >= m.keyCount()) {
            throw new IndexOutOfBoundsException("cell (" + query + ", " + key + ") outside 0.." + (m.queryCount() - 1)
                    + " x 0.." + (m.keyCount() - 1));
        }
        layout();
        HeatmapAxes.Frame f = frame;
        if (f == null || key < f.k0() || key >= f.k0() + f.cols() || query < f.q0() || query >= f.q0() + f.rows()) {
            throw new IllegalStateException("cell (" + query + ", " + key + ") is not on screen");
        }
        double x0 = Bins.firstPixel(key - f.k0(), f.cols(), f.rasterW());
        double x1 = Bins.lastPixel(key - f.k0(), f.cols(), f.rasterW()) + 1;
        double y0 = Bins.firstPixel(query - f.q0(), f.rows(), f.rasterH());
        double y1 = Bins.lastPixel(query - f.q0(), f.rows(), f.rasterH()) + 1;
        double sx = f.image().getWidth() / f.rasterW();
        double sy = f.image().getHeight() / f.rasterH();
        return new Point2D(f.image().getMinX() + (x0 + x1) / 2 * sx, f.image().getMinY() + (y0 + y1) / 2 * sy);
    }

    /** Top-left of the kept strip under the key axis and its height, in local coordinates. */
    public Rectangle2D keptStripBounds() {
        layout();
        if (frame == null) {
            return null;
        }
        Rectangle2D img = frame.image();
        return new Rectangle2D(img.getMinX(), img.getMaxY() + 3, img.getWidth(), HeatmapAxes.STRIP_H);
    }

    /** Bounds of the colour bar in local coordinates (null when nothing is shown). */
    public Rectangle2D colourBarBounds() {
        layout();
        if (frame == null) {
            return null;
        }
        Rectangle2D img = frame.image();
        return new Rectangle2D(img.getMaxX() + 10, img.getMinY(), 12, Math.max(40, img.getHeight()));
    }

    /** The colour range of the raster on screen (null before the first is rendered or without a map). */
    public ValueScale valueScale() {
        return shown == null ? null : shown.values();
    }

    private AttentionMap requireMap() {
        AttentionMap m = map.get();
        if (m == null) {
            throw new IllegalStateException("no attention map is shown");
        }
        return m;
    }

    private double scale() {
        return VizStyle.clampScale(fontScale.get());
    }

    private double fontPx() {
        return VizStyle.LABEL_SIZE * scale();
    }

    private double keySpace() {
        return 58 * scale();
    }

    private static double fitCell(AttentionMap m, Rectangle2D area) {
        return Math.min(area.getWidth() / m.keyCount(), area.getHeight() / m.queryCount());
    }

    private void clampOrigin(AttentionMap m, Rectangle2D area) {
        int cols = (int) Math.floor(area.getWidth() / cellSize + 1e-9);
        int rows = (int) Math.floor(area.getHeight() / cellSize + 1e-9);
        originKey = Math.clamp(originKey, 0, Math.max(0, m.keyCount() - Math.max(1, cols)));
        originQuery = Math.clamp(originQuery, 0, Math.max(0, m.queryCount() - Math.max(1, rows)));
    }

    private HeatmapAxes.Frame layoutFrame(AttentionMap m, Rectangle2D area) {
        double fitCell = fitCell(m, area);
        if (!fitMode && cellSize <= fitCell * 1.0001) {
            fitMode = true;
        }
        double cell = fitMode ? fitCell : cellSize;
        if (fitMode) {
            originKey = 0;
            originQuery = 0;
        } else {
            clampOrigin(m, area);
        }
        int cols = Math.min(m.keyCount() - originKey, Math.max(1, (int) Math.floor(area.getWidth() / cell + 1e-9)));
        int rows = Math.min(m.queryCount() - originQuery,
                Math.max(1, (int) Math.floor(area.getHeight() / cell + 1e-9)));
        double w = Math.max(1, Math.floor(cols * cell));
        double h = Math.max(1, Math.floor(rows * cell));
        int rw = Math.min(cols, (int) w);
        int rh = Math.min(rows, (int) h);
        double x = Math.floor(area.getMinX() + (area.getWidth() - w) / 2);
        double y = Math.floor(area.getMinY() + (area.getHeight() - h) / 2);
        return new HeatmapAxes.Frame(new Rectangle2D(x, y, w, h), originKey, cols, originQuery, rows, rw, rh, cell);
    }

    private void invalidateContent() {
        contentDirty = true;
        invalidateRaster();
    }

    private void invalidateRaster() {
        rasterDirty = true;
        rendered.set(false);
        invalidateBase();
    }

    private void invalidateBase() {
        baseDirty = true;
        overlayDirty = true;
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
            overlay.setWidth(w);
            overlay.setHeight(h);
            contentDirty = true;
            rasterDirty = true;
            baseDirty = true;
            overlayDirty = true;
        }
        AttentionMap m = map.get();
        if (contentDirty) {
            contentDirty = false;
            frame = m == null ? null : layoutFrame(m, plotArea());
            if (frame != null) {
                viewport.set(new Viewport(frame.k0(), frame.k0() + frame.cols(), frame.q0(), frame.q0() + frame.rows(),
                        frame.cell(), fitMode));
            } else {
                viewport.set(null);
            }
        }
        if (rasterDirty) {
            rasterDirty = false;
            requestRaster(m);
        }
        if (baseDirty) {
            baseDirty = false;
            drawBase();
        }
        if (overlayDirty) {
            overlayDirty = false;
            drawOverlay();
        }
    }

    /** Starts computing the raster for what is to be shown now, unless it is on screen or already being computed. */
    private void requestRaster(AttentionMap m) {
        if (m == null || frame == null) {
            renderer.cancel();
            pending = null;
            shown = null;
            rendered.set(true);
            return;
        }
        HeatmapRenderer.Request r = new HeatmapRenderer.Request(m, mapping.get(), rowNormalised.get(),
                clipPercentile.get(), frame, keptMask.get(), colorScale.get(), VizTheme.palette());
        if (shown != null && shown.request().equals(r)) {
            if (pending != null) {
                renderer.cancel();
                pending = null;
            }
            rendered.set(true);
            return;
        }
        HeatmapRenderer.Raster remasked = shown == null ? null : HeatmapRenderer.remasked(shown, r);
        if (remasked != null) { // a budget slider's or a policy's move: no trip to the renderer's thread
            if (pending != null) {
                renderer.cancel();
                pending = null;
            }
            putOnScreen(remasked);
            rendered.set(true);
            return;
        }
        rendered.set(false);
        if (!r.equals(pending)) {
            pending = r;
            renderer.submit(r, this::publish);
        }
    }

    /**
     * Puts a finished raster on screen: copies its pixels into the image (the only per-pixel work on the FX thread)
     * and lays the view out again, which draws it and sets {@link #renderedProperty()} when it is still current.
     */
    private void publish(HeatmapRenderer.Raster raster) {
        pending = null;
        putOnScreen(raster);
        rasterDirty = true;
        invalidateBase();
        layout();
    }

    /** Makes {@code raster} the shown one: copies its pixels into the image (the only per-pixel work on the FX thread). */
    private void putOnScreen(HeatmapRenderer.Raster raster) {
        shown = raster;
        int w = raster.grid().width();
        int h = raster.grid().height();
        if (image == null || (int) image.getWidth() != w || (int) image.getHeight() != h) {
            image = new WritableImage(w, h);
        }
        image.getPixelWriter().setPixels(0, 0, w, h, PixelFormat.getIntArgbInstance(), raster.argb(), 0, w);
        refreshHover();
        updateAccessibleText();
    }

    /**
     * Where the whole raster pixels of the shown raster that show cells of the current frame go: {source rectangle in
     * raster pixels, destination rectangle in local coordinates}, the destination reaching past the image where
     * those pixels also show cells off screen (draw it clipped); null when the shown raster is of a map of another
     * shape or shares no cell with the frame.
     */
    private Rectangle2D[] shownPart(AttentionMap m) {
        HeatmapAxes.Frame old = shown == null ? null : shown.request().frame();
        AttentionMap oldMap = shown == null ? null : shown.request().map();
        if (old == null || oldMap.keyCount() != m.keyCount() || oldMap.queryCount() != m.queryCount()) {
            return null;
        }
        HeatmapAxes.Frame f = frame;
        int ka = Math.max(old.k0(), f.k0());
        int kb = Math.min(old.k0() + old.cols(), f.k0() + f.cols());
        int qa = Math.max(old.q0(), f.q0());
        int qb = Math.min(old.q0() + old.rows(), f.q0() + f.rows());
        if (ka >= kb || qa >= qb) {
            return null;
        }
        int px0 = Bins.firstPixel(ka - old.k0(), old.cols(), old.rasterW());
        int px1 = Bins.lastPixel(kb - 1 - old.k0(), old.cols(), old.rasterW()) + 1;
        int py0 = Bins.firstPixel(qa - old.q0(), old.rows(), old.rasterH());
        int py1 = Bins.lastPixel(qb - 1 - old.q0(), old.rows(), old.rasterH()) + 1;
        Rectangle2D img = f.image();
        double kx = img.getWidth() / f.cols();
        double qy = img.getHeight() / f.rows();
        double x0 = img.getMinX() + (old.keyStart(px0) - f.k0()) * kx;
        double x1 = img.getMinX() + (old.keyEnd(px1 - 1) - f.k0()) * kx;
        double y0 = img.getMinY() + (old.queryStart(py0) - f.q0()) * qy;
        double y1 = img.getMinY() + (old.queryEnd(py1 - 1) - f.q0()) * qy;
        return new Rectangle2D[] {new Rectangle2D(px0, py0, px1 - px0, py1 - py0),
            new Rectangle2D(x0, y0, x1 - x0, y1 - y0)};
    }

    /** The shown raster's colour range when it is of map {@code m} and its row normalisation is current. */
    private ValueScale shownValues(AttentionMap m) {
        return shown != null && shown.request().map() == m && shown.values().rowNormalised() == rowNormalised.get()
                ? shown.values() : null;
    }

    private void drawBase() {
        captions = new Captions("", null, "", null);
        GraphicsContext g = base.getGraphicsContext2D();
        g.setFill(VizTheme.palette().background());
        g.fillRect(0, 0, base.getWidth(), base.getHeight());
        AttentionMap m = map.get();
        Font font = VizStyle.labelFont(scale());
        if (m == null || frame == null) {
            g.setFill(VizTheme.palette().muted());
            g.setFont(font);
            g.setTextAlign(TextAlignment.CENTER);
            g.setTextBaseline(VPos.CENTER);
            g.fillText("no attention data", base.getWidth() / 2, base.getHeight() / 2);
            return;
        }
        Rectangle2D img = frame.image();
        Rectangle2D[] part = shownPart(m);
        if (part == null) {
            g.setFill(VizTheme.palette().empty()); // a map of a new shape is being rendered
            g.fillRect(img.getMinX(), img.getMinY(), img.getWidth(), img.getHeight());
        } else {
            Rectangle2D src = part[0];
            Rectangle2D dst = part[1];
            g.save();
            g.beginPath();
            g.rect(img.getMinX(), img.getMinY(), img.getWidth(), img.getHeight());
            g.clip();
            g.setImageSmoothing(false);
            g.drawImage(image, src.getMinX(), src.getMinY(), src.getWidth(), src.getHeight(), dst.getMinX(),
                    dst.getMinY(), dst.getWidth(), dst.getHeight());
            g.restore();
        }
        g.setStroke(VizTheme.palette().grid());
        g.setLineWidth(1);
        g.strokeRect(img.getMinX() - 0.5, img.getMinY() - 0.5, img.getWidth() + 1, img.getHeight() + 1);
        Rectangle2D strip = keptStripBounds();
        if (part != null && keptMask.get() != null && shown.keptColumns() != null) {
            HeatmapAxes.keptStrip(g, shown.keptColumns(), part[0], part[1], img, keptColor.get(), strip.getMinY());
        }
        HeatmapAxes.labels(g, frame, m, font, queryAxisVisible.get() ? img.getMinX() - 8 : 0, keySpace(),
                strip.getMaxY() + 4);
        if (colourBarVisible.get() && shown != null) {
            HeatmapAxes.colourBar(g, colourBarBounds(), colorScale.get(), shown.values(), font, gradient);
        }
        double titleLeft = drawTitle(g, m, font);
        drawSinks(g, m, font, titleLeft);
    }

    /** Width of {@code text} drawn in {@code font}. */
    private double textWidth(String text, Font font) {
        measure.setFont(font);
        measure.setText(text);
        return measure.getLayoutBounds().getWidth();
    }

    /** Least gap between the sink label and the title on the line above the map. */
    static final double CAPTION_GAP = 8;

    /**
     * The longest sink label that fits between {@code x} and {@code right} (the title's left edge, less a gap): "sink
     * ×n", else "×n", else none (the purple bar alone; a narrow Compare heatmap in presentation mode has no room).
     */
    private SinkLabel sinkLabelRoom(int sinks, double x, double right, Font font) {
        for (SinkLabel form : List.of(SinkLabel.WORD, SinkLabel.COUNT)) {
            if (x + textWidth(form.text(sinks), font) + CAPTION_GAP <= right) {
                return form;
            }
        }
        return SinkLabel.NONE;
    }

    /** The texts on the line above the map as last drawn: the title and the sink label (empty when none). */
    record Captions(String title, Rectangle2D titleBounds, String sinks, Rectangle2D sinkBounds) {
    }

    /** What the line above the map shows, for tests. */
    Captions captions() {
        layout();
        return captions;
    }

    /** Draws the title right-aligned above the map and returns its left edge. */
    private double drawTitle(GraphicsContext g, AttentionMap m, Font font) {
        StringBuilder t = new StringBuilder();
        LayerHead lh = head.get();
        if (lh != null) {
            t.append("L").append(lh.layer()).append(" H").append(lh.head()).append(" · ");
        }
        t.append(m.queryCount()).append(" × ").append(m.keyCount()).append(" · ")
                .append(mapping.get().name().toLowerCase(Locale.ROOT));
        if (rowNormalised.get()) {
            t.append(" · ÷ row max");
        }
        double clip = clipPercentile.get();
        if (!Double.isNaN(clip) && clip < 100) {
            t.append(String.format(Locale.ROOT, " · clipped at p%s", WeightFormat.tick(clip)));
        }
        Viewport v = viewport.get();
        if (v != null && !v.fit()) {
            t.append(" · keys ").append(v.keyFrom()).append("–").append(v.keyTo() - 1);
        }
        g.setFont(font);
        g.setFill(VizTheme.palette().muted());
        g.setTextAlign(TextAlignment.RIGHT);
        g.setTextBaseline(VPos.CENTER);
        String title = t.toString();
        double width = textWidth(title, font);
        double right = base.getWidth() - 4;
        g.fillText(title, right, 9 * scale());
        captions = new Captions(title, new Rectangle2D(right - width, 9 * scale() - fontPx() / 2, width, fontPx()), "",
                null);
        return right - width;
    }

    private void drawSinks(GraphicsContext g, AttentionMap m, Font font, double titleLeft) {
        int sinks = Math.min(sinkCount.get(), m.keyCount());
        HeatmapAxes.Frame f = frame;
        if (sinks <= 0 || f.k0() >= sinks) {
            return;
        }
        int lastCol = Math.min(sinks, f.k0() + f.cols()) - 1 - f.k0();
        double x0 = f.keyX(Bins.firstPixel(0, f.cols(), f.rasterW()));
        double x1 = f.keyX(Bins.lastPixel(lastCol, f.cols(), f.rasterW()) + 1);
        double top = f.image().getMinY();
        g.setFill(VizStyle.SINK);
        g.fillRect(x0, top - 5, Math.max(2, x1 - x0), 4);
        sinkLabelRoom.set(sinkLabelRoom(sinks, x0, titleLeft, font));
        sinkLabel.set(sinkLabelRoom.get().shorter(sinkLabelLimit.get()));
        String label = sinkLabel.get().text(sinks);
        if (label.isEmpty()) {
            return;
        }
        g.setFont(font);
        g.setTextAlign(TextAlignment.LEFT);
        g.setTextBaseline(VPos.BOTTOM);
        g.fillText(label, x0, top - 6);
        captions = new Captions(captions.title(), captions.titleBounds(), label,
                new Rectangle2D(x0, top - 6 - fontPx(), textWidth(label, font), fontPx()));
    }

    private void drawOverlay() {
        GraphicsContext g = overlay.getGraphicsContext2D();
        g.clearRect(0, 0, overlay.getWidth(), overlay.getHeight());
        if (frame == null) {
            return;
        }
        Font font = VizStyle.labelFont(scale());
        g.setFont(font);
        g.setTextAlign(TextAlignment.LEFT);
        g.setTextBaseline(VPos.CENTER);
        double textY = getHeight() - 10 * scale();
        if (hoverPx < 0) {
            g.setFill(VizTheme.palette().muted());
            g.fillText(fitMode ? "hover a cell · wheel to zoom · drag to pan" : "hover a cell · double-click to fit",
                    4, textY);
            return;
        }
        HeatmapAxes.Frame f = frame;
        double x0 = f.keyX(hoverPx);
        double x1 = f.keyX(hoverPx + 1);
        double y0 = f.queryY(hoverPy);
        double y1 = f.queryY(hoverPy + 1);
        g.setStroke(VizStyle.HIGHLIGHT);
        g.setLineWidth(1.5);
        g.strokeRect(x0 - 1, y0 - 1, x1 - x0 + 2, y1 - y0 + 2);
        g.setFill(VizTheme.palette().text());
        g.fillText(hoverText.get(), 4, textY);
    }

    private void onScroll(ScrollEvent e) {
        if (map.get() == null || e.getDeltaY() == 0) {
            return;
        }
        zoom(Math.pow(ZOOM_PER_NOTCH, e.getDeltaY() / 40), e.getX(), e.getY());
        e.consume();
    }

    private void onPressed(MouseEvent e) {
        dragX = e.getX();
        dragY = e.getY();
        dragKey = originKey;
        dragQuery = originQuery;
        if (!fitMode) {
            setCursor(Cursor.CLOSED_HAND);
        }
    }

    private void onDragged(MouseEvent e) {
        AttentionMap m = map.get();
        if (m == null || fitMode) {
            return;
        }
        int keys = (int) Math.round((dragX - e.getX()) / cellSize);
        int queries = (int) Math.round((dragY - e.getY()) / cellSize);
        int k = originKey;
        int q = originQuery;
        originKey = dragKey + keys;
        originQuery = dragQuery + queries;
        clampOrigin(m, plotArea());
        if (k != originKey || q != originQuery) {
            invalidateContent();
        }
        e.consume();
    }

    private void onMouseMoved(MouseEvent e) {
        HeatmapAxes.Frame f = frame;
        if (map.get() == null || f == null || !f.image().contains(e.getX(), e.getY())) {
            setHover(-1, -1);
            return;
        }
        Rectangle2D img = f.image();
        int px = Math.min(f.rasterW() - 1, (int) ((e.getX() - img.getMinX()) * f.rasterW() / img.getWidth()));
        int py = Math.min(f.rasterH() - 1, (int) ((e.getY() - img.getMinY()) * f.rasterH() / img.getHeight()));
        setHover(px, py);
    }

    private void setHover(int px, int py) {
        if (px == hoverPx && py == hoverPy) {
            return;
        }
        hoverPx = px;
        hoverPy = py;
        refreshHover();
    }

    private void refreshHover() {
        AttentionMap m = map.get();
        hoverText.set(hoverPx < 0 || m == null || frame == null ? "" : describePixel(m, hoverPx, hoverPy));
        invalidateOverlay();
    }

    /** Describes the strongest visible cell under a raster pixel (the one max-pooling showed). */
    private String describePixel(AttentionMap m, int px, int py) {
        HeatmapAxes.Frame f = frame;
        int k0 = f.keyStart(px);
        int k1 = f.keyEnd(px);
        int q0 = f.queryStart(py);
        int q1 = f.queryEnd(py);
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
        String pooled = (k1 - k0) * (q1 - q0) > 1 ? " (max of " + (q1 - q0) + "×" + (k1 - k0) + " cells)" : "";
        if (bestQ >= 0) {
            String value = WeightFormat.weight(best);
            ValueScale values = shownValues(m);
            if (values != null && values.rowNormalised()) {
                value += " (" + WeightFormat.weight(best * values.rowFactor(bestQ)) + " of row max)";
            }
            return describeCell(m, bestQ, bestK, value + pooled);
        }
        if (visibleQ >= 0) {
            return describeCell(m, visibleQ, visibleK, "not computed");
        }
        return describeCell(m, q0, k0, "masked (future key)");
    }

    private String describeCell(AttentionMap m, int q, int k, String value) {
        StringBuilder sb = new StringBuilder();
        LayerHead lh = head.get();
        if (lh != null) {
            sb.append("L").append(lh.layer()).append(" H").append(lh.head()).append(" · ");
        }
        sb.append("query #").append(m.queryPositions()[q]).append(" '").append(printable(m.queryTokens().get(q)))
                .append("' → key #").append(m.keyPositions()[k]).append(" '").append(printable(m.keyTokens().get(k)))
                .append("': ").append(value);
        KeptMask mask = keptMask.get();
        if (mask != null) {
            sb.append(mask.isKept(k) ? " · kept" : " · evicted");
        }
        return sb.toString();
    }

    static String printable(String token) {
        return WeightFormat.token(token, 24);
    }

    private void updateAccessibleText() {
        AttentionMap m = map.get();
        if (m == null) {
            setAccessibleText("Attention heatmap: no data");
            return;
        }
        HeatmapRenderer.Strongest strongest = shown != null && shown.request().map() == m ? shown.strongest() : null;
        StringBuilder sb = new StringBuilder("Attention heatmap");
        LayerHead lh = head.get();
        if (lh != null) {
            sb.append(", layer ").append(lh.layer()).append(" head ").append(lh.head());
        }
        sb.append(": ").append(m.queryCount()).append(" queries by ").append(m.keyCount()).append(" keys, ")
                .append(mapping.get().name().toLowerCase(Locale.ROOT)).append(" colour scale");
        if (strongest != null && strongest.query() >= 0) {
            sb.append("; strongest weight ").append(WeightFormat.weight(strongest.weight())).append(" from query '")
                    .append(printable(m.queryTokens().get(strongest.query()))).append("' to key '")
                    .append(printable(m.keyTokens().get(strongest.key()))).append("'");
        }
        KeptMask mask = keptMask.get();
        if (mask != null) {
            sb.append("; the policy keeps ").append(mask.keptCount()).append(" of ").append(mask.keyCount())
                    .append(" keys");
        }
        setAccessibleText(sb.toString());
    }
}
