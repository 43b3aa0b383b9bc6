package org.kvscope.app.ui.view;

import java.util.ArrayList;
import java.util.List;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Label;
import javafx.scene.control.Spinner;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;
import org.kvscope.app.ui.vm.PolicyViewModel;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.engine.CaptureRun;
import org.kvscope.metrics.PolicyAnalysis;
import org.kvscope.trace.AttentionMaps;

/**
 * The attention heatmap of the selected (layer, head) with a policy's kept/evicted overlay, the
 * layer/head pickers, a linear/log switch and a hover read-out.
 */
public final class AttentionPane extends BorderPane {
    private final WorkbenchViewModel vm;
    private final PolicyViewModel policy;
    private final HeadSelection selection;
    private final HeatmapView heatmap = new HeatmapView();
    private final Label hover = new Label(" ");
    private final Label summary = new Label(" ");
    private final Spinner<Integer> layer = new Spinner<>(0, 0, 0);
    private final Spinner<Integer> head = new Spinner<>(0, 0, 0);

    public AttentionPane(WorkbenchViewModel vm, PolicyViewModel policy, HeadSelection selection, boolean controls) {
        this.vm = vm;
        this.policy = policy;
        this.selection = selection;
        getStyleClass().add("attention-pane");
        heatmap.setOnHover(s -> hover.setText(s.isEmpty() ? " " : s));
        heatmap.setId("heatmap-" + policy.label());
        summary.setId("heatmap-summary-" + policy.label());
        summary.getStyleClass().add("muted");
        hover.getStyleClass().add("muted");
        layer.setPrefWidth(80);
        head.setPrefWidth(80);
        layer.valueProperty().addListener((o, a, b) -> selection.layerProperty().set(b));
        head.valueProperty().addListener((o, a, b) -> selection.headProperty().set(b));
        selection.layerProperty().addListener((o, a, b) -> { layer.getValueFactory().setValue(b.intValue()); redraw(); });
        selection.headProperty().addListener((o, a, b) -> { head.getValueFactory().setValue(b.intValue()); redraw(); });
        selection.logProperty().addListener((o, a, b) -> redraw());
        CheckBox log = new CheckBox("log scale");
        log.selectedProperty().bindBidirectional(selection.logProperty());
        HBox bar = new HBox(8, new Label("Layer"), layer, new Label("Head"), head, log);
        bar.setAlignment(Pos.CENTER_LEFT);
        Label title = new Label();
        title.getStyleClass().add("card-title");
        title.textProperty().bind(policy.policyNameProperty().map(n -> "Policy " + policy.label() + ": " + n));
        if (controls) {
            setTop(bar);
        } else {
            setTop(title);
        }
        setCenter(heatmap);
        VBox bottom = new VBox(2, summary, hover);
        bottom.setPadding(new Insets(4, 0, 0, 0));
        setBottom(bottom);
        BorderPane.setMargin(heatmap, new Insets(6, 0, 0, 0));
        vm.captureProperty().addListener((o, a, b) -> {
            resetSpinners(b);
            redraw();
        });
        policy.analysisProperty().addListener((o, a, b) -> redraw());
        redraw();
    }

    public HeatmapView heatmap() { return heatmap; }

    /** The line under the heatmap: how much of this head's keys the policy keeps. */
    public String summary() { return summary.getText(); }

    private void resetSpinners(CaptureRun run) {
        if (run == null) {
            return;
        }
        AttentionMaps maps = run.capture().maps();
        ((javafx.scene.control.SpinnerValueFactory.IntegerSpinnerValueFactory) layer.getValueFactory())
                .setMax(maps.layers() - 1);
        ((javafx.scene.control.SpinnerValueFactory.IntegerSpinnerValueFactory) head.getValueFactory())
                .setMax(maps.heads() - 1);
        if (selection.layerProperty().get() >= maps.layers()) {
            selection.layerProperty().set(0);
        }
        if (selection.headProperty().get() >= maps.heads()) {
            selection.headProperty().set(0);
        }
    }

    private void redraw() {
        CaptureRun run = vm.capture();
        if (run == null) {
            heatmap.show(null, 0, 0, null, 0, false);
            summary.setText("Run a prompt to see attention.");
            return;
        }
        AttentionMaps maps = run.capture().maps();
        int l = Math.min(selection.layerProperty().get(), maps.layers() - 1);
        int h = Math.min(selection.headProperty().get(), maps.heads() - 1);
        PolicyAnalysis a = policy.analysis();
        int n = run.promptTokens().length;
        int group = maps.heads() / run.capture().evidence().kvHeads();
        double[] kept = a == null ? null : Overlay.keptFraction(a.kept(), l, h / group, n, maps.size());
        heatmap.show(maps.map(l, h), maps.size(), maps.tokens(), kept, run.capture().funneling().sinks(),
                selection.logProperty().get());
        if (a != null) {
            int keptCount = a.kept().of(l, h / group).length;
            summary.setText(String.format("layer %d head %d (kv-head %d): %s keeps %d of %d keys, recall %.3f",
                    l, h, h / group, a.policy(), keptCount, n, a.recall()[l][h]));
        } else {
            summary.setText(String.format("layer %d head %d", l, h));
        }
    }

    /** The heatmap's data as CSV: one row per query bin. */
    public String csv() {
        CaptureRun run = vm.capture();
        if (run == null) {
            return "";
        }
        AttentionMaps maps = run.capture().maps();
        int s = maps.size();
        float[] m = maps.map(selection.layerProperty().get(), selection.headProperty().get());
        List<String> header = new ArrayList<>();
        header.add("query_bin");
        for (int j = 0; j < s; j++) {
            header.add("key_bin_" + j);
        }
        List<List<?>> rows = new ArrayList<>();
        for (int i = 0; i < s; i++) {
            List<Object> r = new ArrayList<>();
            r.add(i);
            for (int j = 0; j < s; j++) {
                r.add(m[i * s + j]);
            }
            rows.add(r);
        }
        return ChartExport.csv(header, rows);
    }
}
