package org.kvscope.viz.view;

import java.util.ArrayList;
import java.util.List;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.SimpleObjectProperty;
import javafx.css.PseudoClass;
import javafx.geometry.HPos;
import javafx.geometry.Insets;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Tooltip;
import javafx.scene.image.ImageView;
import javafx.scene.image.WritableImage;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.StackPane;
import org.kvscope.viz.ColorScales;
import org.kvscope.viz.VizStyle;
import org.kvscope.viz.data.LayerHead;
import org.kvscope.viz.data.LayerHeadMaps;
import org.kvscope.viz.raster.MaxPooling;

/**
 * A layer × head grid of attention thumbnails (rows = layers, columns = heads) rendered with the same max-pooling
 * as {@link AttentionHeatmapView}. Clicking a thumbnail sets {@link #selectedProperty()}, which is highlighted.
 * New maps of the same shape are redrawn into the existing thumbnails. Use on the JavaFX application thread.
 */
public class HeatmapGridView extends BorderPane {
    private static final PseudoClass SELECTED = PseudoClass.getPseudoClass("selected");

    private final int thumbnailSize;
    private final GridPane grid = new GridPane();
    private final Label caption = new Label("layer × head — click a head to select it");
    private final ReadOnlyObjectWrapper<LayerHeadMaps> maps = new ReadOnlyObjectWrapper<>(this, "maps");
    private final ObjectProperty<LayerHead> selected = new SimpleObjectProperty<>(this, "selected");
    private final ObjectProperty<ColorScales.Mapping> mapping =
            new SimpleObjectProperty<>(this, "mapping", ColorScales.Mapping.LOG);
    private final List<StackPane> thumbs = new ArrayList<>();
    private final List<WritableImage> images = new ArrayList<>();

    /** Grid with 56-pixel thumbnails. */
    public HeatmapGridView() {
        this(56);
    }

    /** Grid with thumbnails of {@code thumbnailSize} pixels (8..512). */
    public HeatmapGridView(int thumbnailSize) {
        if (thumbnailSize < 8 || thumbnailSize > 512) {
            throw new IllegalArgumentException("thumbnailSize must be in 8..512 but was " + thumbnailSize);
        }
        this.thumbnailSize = thumbnailSize;
        VizStyle.apply(this, "viz-view", "heatmap-grid");
        caption.getStyleClass().add("caption");
        grid.setHgap(2);
        grid.setVgap(2);
        grid.setPadding(new Insets(4));
        ScrollPane scroll = new ScrollPane(grid);
        scroll.setFitToWidth(false);
        scroll.setStyle("-fx-background-color: transparent; -fx-background: white;");
        setTop(caption);
        setCenter(scroll);
        selected.addListener((obs, o, n) -> {
            markSelected(o, false);
            markSelected(n, true);
        });
        mapping.addListener((obs, o, n) -> redraw());
    }

    /** Shows new maps; thumbnails are reused when the layer and head counts are unchanged. */
    public void setMaps(LayerHeadMaps newMaps) {
        LayerHeadMaps old = maps.get();
        maps.set(newMaps);
        if (newMaps == null) {
            grid.getChildren().clear();
            thumbs.clear();
            images.clear();
            selected.set(null);
            return;
        }
        if (old == null || old.layers() != newMaps.layers() || old.heads() != newMaps.heads()) {
            rebuild(newMaps);
        }
        LayerHead sel = selected.get();
        if (sel != null && (sel.layer() >= newMaps.layers() || sel.head() >= newMaps.heads())) {
            selected.set(null);
        }
        redraw();
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

    /** The thumbnail node of one head (for positioning popups or tests). */
    public Node thumbnail(int layer, int head) {
        LayerHeadMaps m = maps.get();
        if (m == null) {
            throw new IllegalStateException("no maps are shown");
        }
        if (layer < 0 || layer >= m.layers() || head < 0 || head >= m.heads()) {
            throw new IndexOutOfBoundsException("(layer " + layer + ", head " + head + ") outside the "
                    + m.layers() + " x " + m.heads() + " grid");
        }
        return thumbs.get(layer * m.heads() + head);
    }

    private void rebuild(LayerHeadMaps m) {
        grid.getChildren().clear();
        thumbs.clear();
        images.clear();
        for (int h = 0; h < m.heads(); h++) {
            Label head = axisLabel("H" + h);
            GridPane.setHalignment(head, HPos.CENTER);
            grid.add(head, h + 1, 0);
        }
        for (int l = 0; l < m.layers(); l++) {
            grid.add(axisLabel("L" + l), 0, l + 1);
            for (int h = 0; h < m.heads(); h++) {
                WritableImage image = new WritableImage(thumbnailSize, thumbnailSize);
                StackPane thumb = new StackPane(new ImageView(image));
                thumb.getStyleClass().add("thumb");
                LayerHead address = new LayerHead(l, h);
                thumb.setOnMouseClicked(e -> selected.set(address));
                Tooltip.install(thumb, new Tooltip("layer " + l + ", head " + h));
                grid.add(thumb, h + 1, l + 1);
                thumbs.add(thumb);
                images.add(image);
            }
        }
        markSelected(selected.get(), true);
    }

    private void redraw() {
        LayerHeadMaps m = maps.get();
        if (m == null) {
            return;
        }
        for (int i = 0; i < images.size(); i++) {
            MaxPooling.pool(m.maps().get(i), thumbnailSize, thumbnailSize)
                    .writeTo(images.get(i).getPixelWriter(), ColorScales.VIRIDIS, mapping.get());
        }
    }

    private void markSelected(LayerHead address, boolean on) {
        LayerHeadMaps m = maps.get();
        if (address == null || m == null || address.layer() >= m.layers() || address.head() >= m.heads()
                || thumbs.isEmpty()) {
            return;
        }
        thumbs.get(address.layer() * m.heads() + address.head()).pseudoClassStateChanged(SELECTED, on);
    }

    private static Label axisLabel(String text) {
        Label label = new Label(text);
        label.getStyleClass().add("axis-caption");
        return label;
    }
}
