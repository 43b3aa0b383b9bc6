package org.kvscope.app.ui.view;

import java.util.List;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.Spinner;
import javafx.scene.control.SpinnerValueFactory.IntegerSpinnerValueFactory;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import org.controlsfx.control.RangeSlider;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.engine.CaptureRun;
import org.kvscope.trace.AttentionMaps;
import org.kvscope.viz.data.AttentionMap;
import org.kvscope.viz.view.AttentionHeatmapView;

/**
 * The controls of one or more attention heatmaps shown side by side (the Attention tab's, or Compare's A and B):
 * layer and head pickers, log scale, per-row normalisation, percentile clipping, a key-range slider and Fit. Every
 * option applies to all the heatmaps, and zooming one (wheel, drag, the slider) shows the same keys in the others,
 * so A and B are always compared on the same scale and the same region.
 */
public final class HeatmapControls extends VBox {
    /** Clipping choices and their percentiles (NaN: none). */
    private static final List<String> CLIP_NAMES = List.of("no clipping", "clip at p99.9", "clip at p99", "clip at p95");
    private static final double[] CLIP_PERCENTILES = {Double.NaN, 99.9, 99, 95};

    private final List<AttentionHeatmapView> heatmaps;
    private final Spinner<Integer> layer = new Spinner<>(0, 0, 0);
    private final Spinner<Integer> head = new Spinner<>(0, 0, 0);
    private final CheckBox rows = new CheckBox("÷ row max");
    private final ComboBox<String> clip = new ComboBox<>();
    private final RangeSlider keyRange = new RangeSlider(0, 1, 0, 1);
    private boolean syncing;

    /** Controls for {@code heatmaps}; {@code idPrefix} names the nodes (e.g. "heatmap" or "compare"). */
    public HeatmapControls(WorkbenchViewModel vm, HeadSelection selection, List<AttentionHeatmapView> heatmaps,
                           String idPrefix) {
        super(4);
        this.heatmaps = List.copyOf(heatmaps);
        getStyleClass().add("heatmap-controls");
        layer.setPrefWidth(80);
        head.setPrefWidth(80);
        layer.setId(idPrefix + "-layer");
        head.setId(idPrefix + "-head");
        layer.valueProperty().addListener((o, a, b) -> selection.layerProperty().set(b));
        head.valueProperty().addListener((o, a, b) -> selection.headProperty().set(b));
        selection.layerProperty().addListener((o, a, b) -> layer.getValueFactory().setValue(b.intValue()));
        selection.headProperty().addListener((o, a, b) -> head.getValueFactory().setValue(b.intValue()));
        vm.captureProperty().addListener((o, a, run) -> setRanges(run));
        setRanges(vm.capture());

        CheckBox log = new CheckBox("log scale");
        log.setId(idPrefix + "-log");
        log.selectedProperty().bindBidirectional(selection.logProperty());
        rows.setId(idPrefix + "-row-normalise");
        rows.setTooltip(new Tooltip("Divide each query row by its largest weight, so every row uses the whole colour scale"));
        clip.setId(idPrefix + "-clip");
        clip.getItems().setAll(CLIP_NAMES);
        clip.setValue(CLIP_NAMES.getFirst());
        clip.setTooltip(new Tooltip("Saturate the colour scale at a percentile of the weights, so a few large "
                + "weights (row 0, sinks) do not darken everything else"));
        for (AttentionHeatmapView h : this.heatmaps) {
            h.rowNormalisedProperty().bind(rows.selectedProperty());
            h.clipPercentileProperty().bind(clip.valueProperty().map(c -> CLIP_PERCENTILES[Math.max(0,
                    CLIP_NAMES.indexOf(c))]));
            h.viewportProperty().addListener((o, a, v) -> viewportMoved(h, v));
        }
        Button fit = new Button("Fit");
        fit.setId(idPrefix + "-fit");
        fit.setTooltip(new Tooltip("Show the whole map (also: double-click a heatmap)"));
        fit.setOnAction(e -> this.heatmaps.forEach(AttentionHeatmapView::fit));
        keyRange.setId(idPrefix + "-key-range");
        keyRange.setShowTickLabels(false);
        keyRange.setTooltip(new Tooltip("Keys (and the queries from the same position) shown; wheel zooms, drag pans"));
        keyRange.lowValueProperty().addListener((o, a, b) -> rangeMoved());
        keyRange.highValueProperty().addListener((o, a, b) -> rangeMoved());
        HBox.setHgrow(keyRange, Priority.ALWAYS);
        FlowPane options = new FlowPane(8, 4, Labelled.of("Layer", layer), Labelled.of("Head", head), log, rows, clip);
        options.setAlignment(Pos.CENTER_LEFT);
        HBox zoom = new HBox(8, new Label("Keys"), keyRange, fit);
        zoom.setAlignment(Pos.CENTER_LEFT);
        getChildren().addAll(options, zoom);
    }

    /** The key-range slider (zoom control). */
    public RangeSlider keyRange() { return keyRange; }

    /** The per-row normalisation switch. */
    public CheckBox rowNormalise() { return rows; }

    /** The percentile clipping choice. */
    public ComboBox<String> clip() { return clip; }

    private void setRanges(CaptureRun run) {
        if (run == null) {
            return;
        }
        AttentionMaps maps = run.capture().maps();
        ((IntegerSpinnerValueFactory) layer.getValueFactory()).setMax(maps.layers() - 1);
        ((IntegerSpinnerValueFactory) head.getValueFactory()).setMax(maps.heads() - 1);
    }

    private void rangeMoved() {
        if (syncing) {
            return;
        }
        syncing = true;
        try {
            for (AttentionHeatmapView h : heatmaps) {
                if (h.mapProperty().get() != null) {
                    h.showKeys((int) Math.round(keyRange.getLowValue()), (int) Math.round(keyRange.getHighValue()));
                }
            }
        } finally {
            syncing = false;
        }
    }

    /**
     * Whether a viewport already shows about the keys of {@code target} (within one key at each end: heatmaps of
     * different sizes round a key range differently, and following such a difference back and forth would never
     * settle).
     */
    static boolean showsAbout(AttentionHeatmapView.Viewport current, AttentionHeatmapView.Viewport target) {
        if (current == null) {
            return false;
        }
        if (current.fit() || target.fit()) {
            return current.fit() == target.fit();
        }
        return Math.abs(current.keyFrom() - target.keyFrom()) <= 1 && Math.abs(current.keyTo() - target.keyTo()) <= 1;
    }

    /** One heatmap was zoomed or panned: the slider and the other heatmaps follow it. */
    private void viewportMoved(AttentionHeatmapView source, AttentionHeatmapView.Viewport v) {
        if (syncing) {
            return;
        }
        syncing = true;
        try {
            AttentionMap m = source.mapProperty().get();
            keyRange.setMax(m == null ? 1 : m.keyCount());
            keyRange.setLowValue(v == null ? 0 : v.keyFrom());
            keyRange.setHighValue(v == null ? keyRange.getMax() : v.keyTo());
            for (AttentionHeatmapView h : heatmaps) {
                if (h != source && h.mapProperty().get() != null && v != null && !showsAbout(h.viewportProperty().get(), v)) {
                    if (v.fit()) {
                        h.fit();
                    } else {
                        h.showKeys(v.keyFrom(), v.keyTo());
                    }
                }
            }
        } finally {
            syncing = false;
        }
    }
}
