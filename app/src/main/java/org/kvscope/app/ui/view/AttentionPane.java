package org.kvscope.app.ui.view;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.geometry.Insets;
import javafx.scene.control.Label;
import javafx.scene.layout.BorderPane;
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
 * axis, evicted columns dimmed) and sink marks; with controls ({@link HeatmapControls}: layer/head
 * pickers, linear/log, row normalisation, percentile clipping, a key-range slider and Fit) or without
 * (Compare puts one set above A and B). The heatmap draws the hover read-out itself (once).
 */
public final class AttentionPane extends BorderPane {
    /**
     * Least height of the Attention page's plot at the normal font, in pixels; it grows with the presentation font.
     * When the window leaves less, the page scrolls.
     */
    public static final double MIN_PLOT = 160;
    private final WorkbenchViewModel vm;
    private final PolicyViewModel policy;
    private final HeadSelection selection;
    private final AttentionHeatmapView heatmap = new AttentionHeatmapView();
    private final Label summary = new Label(" ");
    private final BooleanProperty active = new SimpleBooleanProperty(true);
    private final HeatmapControls controls;
    private java.util.List<String> labels;
    private CaptureRun labelledRun;
    private AttentionMap shown;
    private CaptureRun shownRun;
    private int shownLayer = -1, shownHead = -1;
    private boolean stale;
    /** Compare's layout: a title naming the policy, a one-line summary. */
    private final boolean compact;

    public AttentionPane(WorkbenchViewModel vm, PolicyViewModel policy, HeadSelection selection, boolean controls) {
        this.vm = vm;
        this.policy = policy;
        this.selection = selection;
        getStyleClass().add("attention-pane");
        this.compact = !controls;
        String ids = controls ? "heatmap" : "compare-heatmap";
        heatmap.setId(ids + "-" + policy.label());
        heatmap.setPrefSize(460, 460);
        heatmap.setMinSize(120, 120);
        if (controls) { // the Attention page scrolls rather than squeeze the map below a readable size
            heatmap.minHeightProperty().bind(heatmap.fontScaleProperty().map(s -> heatmap.heightForPlot(
                    MIN_PLOT * s.doubleValue())));
        }
        summary.setId(ids + "-summary-" + policy.label());
        summary.getStyleClass().add("muted");
        // wraps rather than cut (presentation mode in Compare); A's and B's texts differ only in digits, so side by
        // side both wrap alike and both heatmaps keep the same height
        summary.setWrapText(true);
        summary.setMinHeight(Region.USE_PREF_SIZE);
        heatmap.keptColorProperty().set(VizStyle.seriesColor(policy.label(), 0));
        this.controls = controls ? new HeatmapControls(vm, selection, java.util.List.of(heatmap), "heatmap") : null;
        selection.layerProperty().addListener((o, a, b) -> redraw());
        selection.headProperty().addListener((o, a, b) -> redraw());
        heatmap.mappingProperty().bind(selection.logProperty().map(log -> log ? ColorScales.Mapping.LOG
                : ColorScales.Mapping.LINEAR));
        if (controls) {
            setTop(this.controls);
        } else {
            var marker = new javafx.scene.shape.Rectangle(10, 10, VizStyle.seriesColor(policy.label(), 0));
            Label title = new Label(null, marker);
            title.setId("compare-title-" + policy.label());
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
            clampSelection(b);
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

    /** The key-range slider (zoom control), or null when the pane has no controls. */
    public RangeSlider keyRange() { return controls == null ? null : controls.keyRange(); }

    /** The pane's heatmap controls, or null when they live elsewhere (Compare shares one set for A and B). */
    public HeatmapControls controls() { return controls; }

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

    private void clampSelection(CaptureRun run) {
        if (run == null) {
            return;
        }
        AttentionMaps maps = run.capture().maps();
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
        int sinks = run.capture().funnelling().sinks();
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
        if (a != null && compact) {
            summary.setText(String.format("keeps %d of %d keys (kv-head %d) · recall %.3f",
                    a.kept().of(l, kvh).length, n, kvh, a.recall()[l][h]));
        } else if (a != null) {
            summary.setText(String.format("layer %d head %d (kv-head %d): %s keeps %d of %d keys, recall %.3f",
                    l, h, kvh, a.policy(), a.kept().of(l, kvh).length, n, a.recall()[l][h]));
        } else {
            summary.setText(String.format("layer %d head %d", l, h));
        }
    }
}
