package org.kvscope.viz.view;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javafx.application.Platform;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyDoubleWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.css.PseudoClass;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.AccessibleRole;
import javafx.scene.Node;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.Label;
import javafx.scene.control.Tooltip;
import javafx.scene.image.ImageView;
import javafx.scene.image.PixelFormat;
import javafx.scene.image.WritableImage;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.StackPane;
import javafx.scene.text.Font;
import org.kvscope.viz.ColorScales;
import org.kvscope.viz.VizStyle;
import org.kvscope.viz.VizTheme;
import org.kvscope.viz.data.AttentionMap;
import org.kvscope.viz.data.LayerHead;
import org.kvscope.viz.data.LayerHeadMaps;
import org.kvscope.viz.raster.MaxPooling;
import org.kvscope.viz.raster.PooledGrid;

/**
 * A layer × head grid of attention thumbnails, max-pooled like {@link AttentionHeatmapView}. The thumbnail side comes
 * from the available width and height: when the whole grid fits with thumbnails of at least {@link #FIT_THUMB}
 * pixels it is shown whole, without scrolling, as rows of layers (columns of heads) or, when that gives larger
 * thumbnails (a narrow, tall space: 5 layers × 8 heads in a side column), as rows of heads (columns of layers); when
 * it cannot fit, the rows of layers take the width shared by the heads (at least {@link #MIN_THUMB}) and scroll.
 * Rows are virtualised (a {@link ListView} creates only the visible rows), so 30 layers × 9 heads scroll smoothly;
 * thumbnails are pooled and coloured on a background thread and cached, and appear as they are ready. Clicking a
 * thumbnail sets {@link #selectedProperty()}, which is highlighted. Use on the JavaFX application thread.
 */
public class HeatmapGridView extends BorderPane implements BackgroundRendering {
    /** Smallest thumbnail side in pixels. */
    public static final double MIN_THUMB = 12;
    /** Smallest thumbnail side, in pixels, at which the whole grid is shown at once rather than scrolled. */
    public static final double FIT_THUMB = 24;
    /** Width kept free for the list's vertical scroll bar, in pixels. */
    private static final double SCROLL_BAR = 16;
    /** Pooled raster side of each thumbnail (shown scaled). */
    static final int RASTER = 96;
    private static final PseudoClass SELECTED = PseudoClass.getPseudoClass("selected");
    private static final ExecutorService RENDERER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "kvscope-heatmap-grid");
        t.setDaemon(true);
        return t;
    });
    private static final double GAP = 2;
    /** Selection border around each thumbnail image, on every side. */
    private static final double BORDER = 2;
    /** Largest thumbnail side in pixels. */
    public static final double MAX_THUMB = 200;

    private final double preferredThumb;
    private final ListView<Integer> flow = new ListView<>();
    private final HBox header = new HBox(GAP);
    private final Label caption = new Label("layer × head — click a head to select it");
    private final ReadOnlyObjectWrapper<LayerHeadMaps> maps = new ReadOnlyObjectWrapper<>(this, "maps");
    private final ObjectProperty<LayerHead> selected = new SimpleObjectProperty<>(this, "selected");
    private final ObjectProperty<ColorScales.Mapping> mapping =
            new SimpleObjectProperty<>(this, "mapping", ColorScales.Mapping.LOG);
    private final ReadOnlyDoubleWrapper thumbSize = new ReadOnlyDoubleWrapper(this, "thumbSize");
    private final ReadOnlyBooleanWrapper rendered = new ReadOnlyBooleanWrapper(this, "rendered", true);
    private final DoubleProperty fontScale = new SimpleDoubleProperty(this, "fontScale", 1);
    private final List<LayerRow> rows = new ArrayList<>();
    private final AtomicInteger generation = new AtomicInteger();
    private WritableImage[] images = new WritableImage[0];
    private PooledGrid[] pooled = new PooledGrid[0];
    private LayerHeadMaps pooledFor;
    /** Whether rows are heads and columns layers (see the class comment). */
    private boolean headRows;

    /** Grid with 56-pixel preferred thumbnails. */
    public HeatmapGridView() {
        this(56);
    }

    /** Grid whose thumbnails prefer {@code thumbnailSize} pixels (8..512) and grow or shrink to fit the width. */
    public HeatmapGridView(int thumbnailSize) {
        if (thumbnailSize < 8 || thumbnailSize > 512) {
            throw new IllegalArgumentException("thumbnailSize must be in 8..512 but was " + thumbnailSize);
        }
        this.preferredThumb = thumbnailSize;
        thumbSize.set(thumbnailSize);
        VizStyle.apply(this, "viz-view", "heatmap-grid");
        setAccessibleRole(AccessibleRole.LIST_VIEW);
        setAccessibleText("layer × head attention thumbnails: no data");
        caption.getStyleClass().add("caption");
        caption.setWrapText(true);
        header.setPadding(new Insets(0, 0, 0, labelWidth() + GAP));
        flow.getStyleClass().add("layer-rows");
        flow.setFocusTraversable(false);
        flow.setCellFactory(f -> {
            LayerRow row = new LayerRow();
            rows.add(row);
            return row;
        });
        flow.setFixedCellSize(thumbnailSize + 2 * BORDER + GAP);
        flow.setMinSize(0, 0);
        flow.setPrefSize(0, 0);
        setTop(new javafx.scene.layout.VBox(caption, header));
        setCenter(flow);
        fontScale.bind(VizStyle.fontScaleProperty());
        fontScale.addListener((obs, o, n) -> restyleLabels());
        selected.addListener((obs, o, n) -> refreshRows());
        mapping.addListener((obs, o, n) -> render());
        VizTheme.redrawOnChange(this, this::render);
        flow.widthProperty().addListener((obs, o, n) -> resizeThumbs());
        flow.heightProperty().addListener((obs, o, n) -> resizeThumbs());
        setMinSize(120, 80);
        setPrefSize(8 * (thumbnailSize + GAP) + labelWidth() + 24, 4 * (thumbnailSize + GAP) + 40);
    }

    /** Shows new maps; the selection is kept when it still exists. */
    public void setMaps(LayerHeadMaps newMaps) {
        maps.set(newMaps);
        LayerHead sel = selected.get();
        if (newMaps == null || sel != null && (sel.layer() >= newMaps.layers() || sel.head() >= newMaps.heads())) {
            selected.set(null);
        }
        if (newMaps == null) {
            header.getChildren().clear();
            flow.getItems().clear();
            images = new WritableImage[0];
            pooled = new PooledGrid[0];
            pooledFor = null;
            setAccessibleText("layer × head attention thumbnails: no data");
            return;
        }
        setAccessibleText("layer × head attention thumbnails: " + newMaps.layers() + " layers by " + newMaps.heads()
                + " heads; select one to show it large");
        arrange(newMaps, headRows);
        resizeThumbs();
        render();
    }

    /** The maps shown, or null. */
    public ReadOnlyObjectProperty<LayerHeadMaps> mapsProperty() {
        return maps.getReadOnlyProperty();
    }

    /** The selected head, or null; set by clicking a thumbnail or programmatically. */
    public ObjectProperty<LayerHead> selectedProperty() {
        return selected;
    }

    public LayerHead getSelected() {
        return selected.get();
    }

    public void setSelected(LayerHead value) {
        selected.set(value);
    }

    /** Colour mapping of all thumbnails (default log, which shows structure at thumbnail size best). */
    public ObjectProperty<ColorScales.Mapping> mappingProperty() {
        return mapping;
    }

    /** Side of each thumbnail image in pixels (without its selection border), from the width of a layer row. */
    public ReadOnlyDoubleProperty thumbSizeProperty() {
        return thumbSize.getReadOnlyProperty();
    }

    /** False while thumbnails of the current maps or mapping are being pooled in the background. */
    @Override
    public ReadOnlyBooleanProperty renderedProperty() {
        return rendered.getReadOnlyProperty();
    }

    /** Scale of the axis labels (bound to {@link VizStyle#fontScaleProperty()} by default). */
    public DoubleProperty fontScaleProperty() {
        return fontScale;
    }

    /** Number of layer rows that currently exist as nodes (the virtualised rows on screen). */
    public int materialisedRows() {
        return (int) rows.stream().filter(r -> r.isVisible() && r.getParent() != null && !r.isEmpty()
                && r.getItem() != null).count();
    }

    /** Whether the rows are heads and the columns layers (chosen when that shows the whole grid larger). */
    public boolean headRows() {
        return headRows;
    }

    /** The thumbnail node of one head, scrolling its row into view first (for popups and tests). */
    public Node thumbnail(int layer, int head) {
        LayerHeadMaps m = maps.get();
        if (m == null) {
            throw new IllegalStateException("no maps are shown");
        }
        if (layer < 0 || layer >= m.layers() || head < 0 || head >= m.heads()) {
            throw new IndexOutOfBoundsException("(layer " + layer + ", head " + head + ") outside the "
                    + m.layers() + " x " + m.heads() + " grid");
        }
        int index = headRows ? head : layer;
        LayerRow row = visibleRow(index);
        if (row == null || !fullyVisible(row)) {
            flow.scrollTo(index);
            applyCss();
            layout();
            row = visibleRow(index);
        }
        if (row == null) {
            throw new IllegalStateException("layer " + layer + " could not be scrolled into view");
        }
        return row.thumbs.get(headRows ? layer : head);
    }

    private LayerRow visibleRow(int index) {
        for (LayerRow r : rows) {
            if (r.getIndex() == index && r.isVisible() && r.getParent() != null) {
                return r;
            }
        }
        return null;
    }

    private boolean fullyVisible(LayerRow row) {
        javafx.geometry.Bounds b = flow.sceneToLocal(row.localToScene(row.getBoundsInLocal()));
        return b.getMinY() >= 0 && b.getMaxY() <= flow.getHeight();
    }

    private double labelWidth() {
        return 26 * VizStyle.clampScale(fontScale == null ? 1 : fontScale.get());
    }

    private void restyleLabels() {
        Font font = VizStyle.labelFont(fontScale.get() * 10 / VizStyle.LABEL_SIZE);
        header.getChildren().forEach(n -> ((Label) n).setFont(font));
        header.setPadding(new Insets(0, 0, 0, labelWidth() + GAP));
        rows.forEach(LayerRow::refresh);
    }

    /**
     * Chooses the arrangement and the thumbnail side for the list's size: the whole grid at the larger of its two
     * arrangements' fitting sides when that is at least {@link #FIT_THUMB}, else rows of layers as wide as the
     * heads share and scrolled.
     */
    private void resizeThumbs() {
        LayerHeadMaps m = maps.get();
        int layers = m == null ? 4 : m.layers();
        int heads = m == null ? 8 : m.heads();
        double across = widthShare(heads);
        if (!(across > 0)) { // not laid out yet
            return;
        }
        double layerRowsFit = Math.min(across, heightShare(layers));
        double headRowsFit = Math.min(widthShare(layers), heightShare(heads));
        boolean byHeads = headRowsFit > layerRowsFit && headRowsFit >= FIT_THUMB;
        double size = byHeads ? headRowsFit : layerRowsFit >= FIT_THUMB ? layerRowsFit : across;
        size = Math.clamp(Math.floor(size), MIN_THUMB, Math.max(3 * preferredThumb, MAX_THUMB));
        if (m != null && byHeads != headRows) {
            arrange(m, byHeads);
        }
        if (size != thumbSize.get()) {
            thumbSize.set(size);
            flow.setFixedCellSize(size + 2 * BORDER + GAP);
            rows.forEach(LayerRow::refresh);
        }
    }

    /** The thumbnail side at which {@code columns} thumbnails fill the list's width (its scroll bar spared). */
    private double widthShare(int columns) {
        return (flow.getWidth() - labelWidth() - SCROLL_BAR - GAP * (columns + 1) - 2 * BORDER * columns) / columns;
    }

    /** The thumbnail side at which {@code rowCount} rows fill the list's height. */
    private double heightShare(int rowCount) {
        return (flow.getHeight() - 2) / rowCount - 2 * BORDER - GAP;
    }

    /** Rows of layers or of heads: the column labels and the rows' items. */
    private void arrange(LayerHeadMaps m, boolean byHeads) {
        headRows = byHeads;
        header.getChildren().clear();
        for (int c = 0; c < (byHeads ? m.layers() : m.heads()); c++) {
            Label label = axisLabel((byHeads ? "L" : "H") + c);
            label.setAlignment(Pos.CENTER);
            label.minWidthProperty().bind(thumbSize.add(2 * BORDER));
            label.prefWidthProperty().bind(thumbSize.add(2 * BORDER));
            header.getChildren().add(label);
        }
        caption.setText(byHeads ? "head × layer — click a head to select it" : "layer × head — click a head to select it");
        restyleLabels();
        flow.getItems().setAll(java.util.stream.IntStream.range(0, byHeads ? m.heads() : m.layers()).boxed().toList());
    }

    /** Pools (once per maps) and colours every thumbnail in the background, publishing them as they are ready. */
    private void render() {
        LayerHeadMaps m = maps.get();
        if (m == null) {
            return;
        }
        int gen = generation.incrementAndGet();
        ColorScales.Mapping mapMode = mapping.get() == null ? ColorScales.Mapping.LOG : mapping.get();
        int causalArgb = VizTheme.palette().backgroundArgb();
        int missingArgb = VizTheme.palette().emptyArgb();
        boolean samePooling = pooledFor == m;
        if (!samePooling) {
            images = new WritableImage[m.maps().size()];
            pooled = new PooledGrid[m.maps().size()];
            pooledFor = m;
        }
        PooledGrid[] pools = pooled;
        rendered.set(false);
        refreshRows();
        RENDERER.execute(() -> {
            for (int i = 0; i < pools.length; i++) {
                if (generation.get() != gen) {
                    return;
                }
                if (pools[i] == null) {
                    AttentionMap map = m.maps().get(i);
                    pools[i] = MaxPooling.pool(map, Math.min(RASTER, map.keyCount()), Math.min(RASTER,
                            map.queryCount()));
                }
                PooledGrid g = pools[i];
                int[] pixels = new int[g.width() * g.height()];
                g.toArgb(ColorScales.VIRIDIS, mapMode, pixels, causalArgb, missingArgb);
                int index = i;
                boolean last = i == pools.length - 1;
                Platform.runLater(() -> publish(gen, index, g, pixels, last));
            }
        });
    }

    private void publish(int gen, int index, PooledGrid g, int[] pixels, boolean last) {
        if (generation.get() != gen) {
            return;
        }
        WritableImage img = images[index];
        boolean created = img == null || (int) img.getWidth() != g.width() || (int) img.getHeight() != g.height();
        if (created) {
            img = new WritableImage(g.width(), g.height());
            images[index] = img;
        }
        img.getPixelWriter().setPixels(0, 0, g.width(), g.height(), PixelFormat.getIntArgbInstance(), pixels, 0,
                g.width());
        LayerHeadMaps m = maps.get();
        if (created && m != null) {
            int layer = index / m.heads();
            int head = index % m.heads();
            int row = headRows ? head : layer;
            int column = headRows ? layer : head;
            for (LayerRow r : rows) {
                if (r.getIndex() == row && column < r.thumbs.size()) {
                    ((ImageView) r.thumbs.get(column).getChildren().getFirst()).setImage(img);
                }
            }
        }
        if (last) {
            rendered.set(true);
        }
    }

    private void refreshRows() {
        rows.forEach(LayerRow::refresh);
    }

    private static Label axisLabel(String text) {
        Label label = new Label(text);
        label.getStyleClass().add("axis-caption");
        label.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
        return label;
    }

    /** One layer (or head): its label and one thumbnail per head (or layer). */
    private final class LayerRow extends ListCell<Integer> {
        private final Label label = axisLabel("");
        private final HBox box = new HBox(GAP);
        private final List<StackPane> thumbs = new ArrayList<>();

        LayerRow() {
            getStyleClass().add("layer-row");
            box.setAlignment(Pos.CENTER_LEFT);
            setGraphic(box);
            setText(null);
            setPadding(Insets.EMPTY);
        }

        @Override
        protected void updateItem(Integer item, boolean empty) {
            super.updateItem(item, empty);
            refresh();
        }

        void refresh() {
            LayerHeadMaps m = maps.get();
            Integer item = getItem();
            int row = item == null || isEmpty() ? -1 : item;
            int columns = m == null ? 0 : headRows ? m.layers() : m.heads();
            if (m == null || row < 0 || row >= (headRows ? m.heads() : m.layers())) {
                box.getChildren().clear();
                return;
            }
            while (thumbs.size() < columns) {
                thumbs.add(newThumb());
            }
            double size = thumbSize.get();
            label.setText((headRows ? "H" : "L") + row);
            label.setFont(VizStyle.labelFont(fontScale.get() * 10 / VizStyle.LABEL_SIZE));
            label.setPrefWidth(labelWidth());
            List<Node> children = new ArrayList<>(columns + 1);
            children.add(label);
            LayerHead sel = selected.get();
            for (int c = 0; c < columns; c++) {
                int layer = headRows ? c : row;
                int h = headRows ? row : c;
                StackPane thumb = thumbs.get(c);
                ImageView view = (ImageView) thumb.getChildren().getFirst();
                int index = layer * m.heads() + h;
                view.setImage(index < images.length ? images[index] : null);
                view.setFitWidth(size);
                view.setFitHeight(size);
                double outer = size + 2 * BORDER;
                thumb.setMinSize(outer, outer);
                thumb.setPrefSize(outer, outer);
                thumb.setMaxSize(outer, outer);
                thumb.setUserData(new LayerHead(layer, h));
                Tooltip t = (Tooltip) thumb.getProperties().get("tooltip");
                t.setText("layer " + layer + ", head " + h);
                thumb.pseudoClassStateChanged(SELECTED, sel != null && sel.layer() == layer && sel.head() == h);
                children.add(thumb);
            }
            box.getChildren().setAll(children);
        }

        private StackPane newThumb() {
            ImageView view = new ImageView();
            view.setSmooth(false);
            view.setPreserveRatio(false);
            StackPane thumb = new StackPane(view);
            thumb.getStyleClass().add("thumb");
            thumb.setOnMouseClicked(e -> selected.set((LayerHead) thumb.getUserData()));
            Tooltip t = new Tooltip();
            Tooltip.install(thumb, t);
            thumb.getProperties().put("tooltip", t);
            return thumb;
        }
    }
}
