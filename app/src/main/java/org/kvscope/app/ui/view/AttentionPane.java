package org.kvscope.app.ui.view;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.Tooltip;
import javafx.scene.control.Spinner;
import javafx.scene.control.SpinnerValueFactory.IntegerSpinnerValueFactory;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import org.controlsfx.control.RangeSlider;
import org.kvscope.app.ui.vm.PolicyViewModel;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.engine.CaptureRun;
import org.kvscope.metrics.PolicyAnalysis;
import org.kvscope.trace.AttentionMaps;
import org.kvscope.viz.ColorScales;
import org.kvscope.viz.VizStyle;
import org.kvscope.viz.data.AttentionMap;
import org.kvscope.viz.data.LayerHead;
import org.kvscope.viz.view.AttentionHeatmapView;

/**
 * The attention heatmap of the selected (layer, head) with a policy's kept set (strip under the key
 * axis, evicted columns dimmed) and sink marks; with controls, the layer/head pickers, linear/log,
 * row normalisation, percentile clipping, a key-range slider and Fit. The heatmap draws the hover
 * read-out itself (once).
 */
public final class AttentionPane extends BorderPane {
    private final WorkbenchViewModel vm;
    private final PolicyViewModel policy;
    private final HeadSelection selection;
    private final AttentionHeatmapView heatmap = new AttentionHeatmapView();
    private final Label summary = new Label(" ");
    private final Spinner<Integer> layer = new Spinner<>(0, 0, 0);
    private final Spinner<Integer> head = new Spinner<>(0, 0, 0);
    private final BooleanProperty active = new SimpleBooleanProperty(true);
    private final RangeSlider keyRange = new RangeSlider(0, 1, 0, 1);
    private boolean syncingRange;
    private java.util.List<String> labels;
    private CaptureRun labelledRun;
    private AttentionMap shown;
    private CaptureRun shownRun;
    private int shownLayer = -1, shownHead = -1;
    private boolean stale;

    public AttentionPane(WorkbenchViewModel vm, PolicyViewModel policy, HeadSelection selection, boolean controls) {
        this.vm = vm;
        this.policy = policy;
        this.selection = selection;
        getStyleClass().add("attention-pane");
        heatmap.setId("heatmap-" + policy.label());
        heatmap.setPrefSize(460, 460);
        heatmap.setMinSize(120, 120);
        summary.setId("heatmap-summary-" + policy.label());
        summary.getStyleClass().add("muted");
        summary.setWrapText(true);
        summary.setMinHeight(Region.USE_PREF_SIZE);
        heatmap.keptColorProperty().set(VizStyle.seriesColor(policy.label(), 0));
        layer.setPrefWidth(80);
        head.setPrefWidth(80);
        layer.valueProperty().addListener((o, a, b) -> selection.layerProperty().set(b));
        head.valueProperty().addListener((o, a, b) -> selection.headProperty().set(b));
        selection.layerProperty().addListener((o, a, b) -> { layer.getValueFactory().setValue(b.intValue()); redraw(); });
        selection.headProperty().addListener((o, a, b) -> { head.getValueFactory().setValue(b.intValue()); redraw(); });
        heatmap.mappingProperty().bind(selection.logProperty().map(log -> log ? ColorScales.Mapping.LOG
                : ColorScales.Mapping.LINEAR));
        if (controls) {
            setTop(controlBar());
        } else {
            Label title = new Label();
            title.getStyleClass().add("card-title");
            title.textProperty().bind(policy.policyNameProperty().map(n -> "Policy " + policy.label() + ": " + n));
            setTop(title);
        }
        setCenter(heatmap);
        VBox bottom = new VBox(2, summary);
        bottom.setPadding(new Insets(4, 0, 0, 0));
        setBottom(bottom);
        BorderPane.setMargin(heatmap, new Insets(6, 0, 0, 0));
        vm.captureProperty().addListener((o, a, b) -> {
            resetSpinners(b);
            redraw();
        });
        policy.analysisProperty().addListener((o, a, b) -> redraw());
        active.addListener((o, a, on) -> {
            if (on && stale) {
                redraw();
            }
        });
        redraw();
    }

    /** Layer/head pickers, colour options, the key-range slider and Fit. */
    private VBox controlBar() {
        CheckBox log = new CheckBox("log scale");
        log.selectedProperty().bindBidirectional(selection.logProperty());
        CheckBox rows = new CheckBox("÷ row max");
        rows.setId("heatmap-row-normalise");
        rows.setTooltip(new Tooltip("Divide each query row by its largest weight, so every row uses the whole colour scale"));
        rows.selectedProperty().bindBidirectional(heatmap.rowNormalisedProperty());
        ComboBox<String> clip = new ComboBox<>();
        clip.setId("heatmap-clip");
        clip.getItems().setAll("no clipping", "clip at p99.9", "clip at p99", "clip at p95");
        clip.setValue("no clipping");
        clip.setTooltip(new Tooltip("Saturate the colour scale at a percentile of the weights, so a few large "
                + "weights (row 0, sinks) do not darken everything else"));
        clip.valueProperty().addListener((o, a, b) -> heatmap.clipPercentileProperty().set(switch (b) {
            case "clip at p99.9" -> 99.9;
            case "clip at p99" -> 99;
            case "clip at p95" -> 95;
            default -> Double.NaN;
        }));
        Button fit = new Button("Fit");
        fit.setId("heatmap-fit");
        fit.setTooltip(new Tooltip("Show the whole map (also: double-click the heatmap)"));
        fit.setOnAction(e -> heatmap.fit());
        keyRange.setId("heatmap-key-range");
        keyRange.setShowTickLabels(false);
        keyRange.setTooltip(new Tooltip("Keys (and the queries from the same position) shown; wheel zooms, drag pans"));
        keyRange.lowValueProperty().addListener((o, a, b) -> rangeMoved());
        keyRange.highValueProperty().addListener((o, a, b) -> rangeMoved());
        heatmap.viewportProperty().addListener((o, a, v) -> showRange(v));
        HBox.setHgrow(keyRange, Priority.ALWAYS);
        FlowPane options = new FlowPane(8, 4, new Label("Layer"), layer, new Label("Head"), head, log, rows, clip);
        options.setAlignment(Pos.CENTER_LEFT);
        HBox zoom = new HBox(8, new Label("Keys"), keyRange, fit);
        zoom.setAlignment(Pos.CENTER_LEFT);
        return new VBox(4, options, zoom);
    }

    private void rangeMoved() {
        if (syncingRange || heatmap.mapProperty().get() == null) {
            return;
        }
        heatmap.showKeys((int) Math.round(keyRange.getLowValue()), (int) Math.round(keyRange.getHighValue()));
    }

    private void showRange(AttentionHeatmapView.Viewport v) {
        syncingRange = true;
        try {
            AttentionMap m = heatmap.mapProperty().get();
            keyRange.setMax(m == null ? 1 : m.keyCount());
            keyRange.setLowValue(v == null ? 0 : v.keyFrom());
            keyRange.setHighValue(v == null ? keyRange.getMax() : v.keyTo());
        } finally {
            syncingRange = false;
        }
    }

    /** The key-range slider (zoom control). */
    public RangeSlider keyRange() { return keyRange; }

    /**
     * Whether the pane is on screen; while it is not, changes only mark it stale and it redraws
     * when shown again (the heatmap's overlay is the costliest thing to render).
     */
    public BooleanProperty activeProperty() { return active; }

    public AttentionHeatmapView heatmap() { return heatmap; }

    /** The line under the heatmap: how many of this head's keys the policy keeps, and its recall. */
    public String summary() { return summary.getText(); }

    /** The map on screen (for CSV export), or null. */
    public AttentionMap shownMap() { return shown; }

    private void resetSpinners(CaptureRun run) {
        if (run == null) {
            return;
        }
        AttentionMaps maps = run.capture().maps();
        ((IntegerSpinnerValueFactory) layer.getValueFactory()).setMax(maps.layers() - 1);
        ((IntegerSpinnerValueFactory) head.getValueFactory()).setMax(maps.heads() - 1);
        if (selection.layerProperty().get() >= maps.layers()) {
            selection.layerProperty().set(0);
        }
        if (selection.headProperty().get() >= maps.heads()) {
            selection.headProperty().set(0);
        }
    }

    private void redraw() {
        if (!active.get()) {
            stale = true;
            return;
        }
        stale = false;
        CaptureRun run = vm.capture();
        if (run == null || vm.model() == null) {
            shown = null;
            shownRun = null;
            heatmap.show(null, null);
            summary.setText("Run a prompt to see attention.");
            return;
        }
        AttentionMaps maps = run.capture().maps();
        int l = Math.min(selection.layerProperty().get(), maps.layers() - 1);
        int h = Math.min(selection.headProperty().get(), maps.heads() - 1);
        int n = run.promptTokens().length;
        int kvh = h / (maps.heads() / run.capture().evidence().kvHeads());
        PolicyAnalysis a = policy.analysis();
        int sinks = run.capture().funneling().sinks();
        heatmap.setSinkCount(sinks == 0 ? 0 : Math.min(maps.size(), maps.bin(Math.min(sinks, n) - 1) + 1));
        if (shown == null || shownRun != run || shownLayer != l || shownHead != h) {
            // a new map only when capture, layer or head change: a policy change only moves the mask
            if (labelledRun != run) {
                labels = VizData.binLabels(run, vm.model().tokenizer());
                labelledRun = run;
            }
            shown = VizData.map(run, labels, l, h);
            shownRun = run;
            shownLayer = l;
            shownHead = h;
            heatmap.setMap(shown);
            heatmap.headProperty().set(new LayerHead(l, h));
        }
        heatmap.setKeptMask(a == null ? null : VizData.keptMask(a.kept(), l, kvh, n, maps.size()));
        if (a != null) {
            summary.setText(String.format("layer %d head %d (kv-head %d): %s keeps %d of %d keys, recall %.3f",
                    l, h, kvh, a.policy(), a.kept().of(l, kvh).length, n, a.recall()[l][h]));
        } else {
            summary.setText(String.format("layer %d head %d", l, h));
        }
    }
}
