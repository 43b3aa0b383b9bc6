package org.kvscope.app.ui.view;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javafx.geometry.Pos;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressIndicator;
import javafx.scene.control.Spinner;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import org.kvscope.app.ui.vm.EvictionTimelineViewModel;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.engine.EvictionTimeline;
import org.kvscope.tokenizer.Tokenizer;
import org.kvscope.viz.data.EvictionGrid;
import org.kvscope.viz.data.TokenRange;
import org.kvscope.viz.data.TokenStrip;
import org.kvscope.viz.view.EvictionTimelineView;
import org.kvscope.viz.view.TokenStripView;

/**
 * Decode-time eviction timeline for policies that evict while generating (H2O, StreamingLLM,
 * PyramidInfer): which positions left the cache at which generated token, for the selected layer
 * and kv-head, the whole layer or every layer; linked to a token strip of the prompt and the
 * generated tokens (click a column to select its token, select a token to outline its column).
 */
public final class EvictionTimelinePane extends VBox {

    private final WorkbenchViewModel vm;
    private final HeadSelection selection;
    private final EvictionTimelineViewModel model;
    private final EvictionTimelineView view = new EvictionTimelineView();
    private final TokenStripView strip = new TokenStripView();
    private final ChoiceBox<HeadScope> scope = new ChoiceBox<>();
    private final Label summary = new Label();

    public EvictionTimelinePane(WorkbenchViewModel vm, HeadSelection selection) {
        super(6);
        this.vm = vm;
        this.selection = selection;
        this.model = new EvictionTimelineViewModel(vm);
        ChoiceBox<String> policy = new ChoiceBox<>();
        policy.setId("timeline-policy");
        policy.getItems().setAll("Policy A", "Policy B");
        policy.getSelectionModel().select(0);
        policy.getSelectionModel().selectedIndexProperty().addListener((o, a, b) -> model.policyIndexProperty().set(b.intValue()));
        model.policyIndexProperty().addListener((o, a, b) -> policy.getSelectionModel().select(b.intValue()));
        Spinner<Integer> steps = new Spinner<>(1, 512, EvictionTimelineViewModel.DEFAULT_STEPS);
        steps.setEditable(true);
        steps.setPrefWidth(80);
        steps.valueProperty().addListener((o, a, b) -> model.stepsProperty().set(b));
        model.stepsProperty().addListener((o, a, b) -> steps.getValueFactory().setValue(b.intValue()));
        scope.getItems().setAll(HeadScope.values());
        scope.setValue(HeadScope.HEAD);
        ProgressIndicator busy = new ProgressIndicator();
        busy.setPrefSize(18, 18);
        busy.visibleProperty().bind(model.runningProperty());
        javafx.scene.layout.FlowPane bar = new javafx.scene.layout.FlowPane(8, 4, policy, Labelled.of("generated tokens", steps), Labelled.of("over", scope), busy);
        bar.setAlignment(Pos.CENTER_LEFT);
        summary.setId("timeline-summary");
        summary.setWrapText(true);
        view.setId("eviction-timeline");
        view.setPrefHeight(260);
        strip.setId("timeline-tokens");
        strip.setPrefHeight(90);
        strip.followTailProperty().set(false);
        Label hover = new Label();
        hover.getStyleClass().add("muted");
        hover.textProperty().bind(view.hoverTextProperty());
        VBox.setVgrow(view, Priority.ALWAYS);
        getChildren().addAll(bar, summary, view, hover, strip);
        view.selectedPositionProperty().addListener((o, a, p) -> {
            int i = p.intValue();
            TokenRange r = strip.selectionProperty().get();
            if (i >= 0 && i < strip.size() && (r == null || r.from() != i || r.to() != i + 1)) {
                strip.select(i, i + 1);
            }
        });
        strip.selectionProperty().addListener((o, a, r) -> {
            if (r != null) {
                view.selectedPositionProperty().set(r.from());
            }
        });
        model.timelineProperty().addListener((o, a, b) -> { showStrip(); redraw(); });
        model.messageProperty().addListener((o, a, b) -> redraw());
        scope.valueProperty().addListener((o, a, b) -> redraw());
        selection.layerProperty().addListener((o, a, b) -> redraw());
        selection.headProperty().addListener((o, a, b) -> redraw());
        model.activeProperty().addListener((o, a, on) -> {
            if (on) {
                redraw();
            }
        });
        redraw();
    }

    public EvictionTimelineViewModel model() { return model; }

    public EvictionTimelineView view() { return view; }

    public TokenStripView strip() { return strip; }

    public String summary() { return summary.getText(); }

    /** Whether the pane is on screen (recording waits until it is). */
    public javafx.beans.property.BooleanProperty activeProperty() { return model.activeProperty(); }

    private void showStrip() {
        EvictionTimeline t = model.timelineProperty().get();
        if (t == null || vm.capture() == null || vm.model() == null) {
            strip.setStrip(null);
            return;
        }
        int[] ids = ids(t, vm.capture().promptTokens());
        strip.setStrip(new TokenStrip(TokenFocusPane.tokenTexts(vm.model().tokenizer(), ids), ids, null));
    }

    private static int[] ids(EvictionTimeline t, int[] prompt) {
        int[] ids = Arrays.copyOf(prompt, prompt.length + t.steps().size());
        for (int s = 0; s < t.steps().size(); s++) {
            ids[prompt.length + s] = t.steps().get(s).token();
        }
        return ids;
    }

    private void redraw() {
        if (!model.activeProperty().get()) {
            return; // redrawn when shown: the model records (and so redraws) only then
        }
        EvictionTimeline t = model.timelineProperty().get();
        if (t == null || vm.capture() == null || vm.model() == null) {
            view.setGrid(null);
            summary.setText(model.runningProperty().get() ? "Recording evictions while generating…"
                    : "Run a prompt to see which positions each generated token pushes out of the cache.");
            return;
        }
        int layer = Math.min(selection.layerProperty().get(), t.layers() - 1);
        int kvHead = Math.min(selection.headProperty().get() / Math.max(1, vm.model().config().heads() / t.kvHeads()),
                t.kvHeads() - 1);
        EvictionGrid grid = grid(t, vm.model().tokenizer(), vm.capture().promptTokens(), scope.getValue(), layer, kvHead);
        view.setGrid(grid);
        int prefill = grid.evictedCount(0), decode = 0;
        for (int r = 1; r < grid.rows(); r++) {
            decode += grid.evictedCount(r);
        }
        summary.setText(String.format("%s (%s): %d prompt positions gone after prefill, %d evicted while generating "
                        + "%d tokens%s", t.policy(), grid.scope(), prefill, decode, t.steps().size(),
                decode == 0 ? " — this policy does not evict while generating at this setting" : ""));
    }

    /**
     * The grid for one scope: row 0 after prefill, row s+1 after generated token s; a position is
     * held at row r by a head that evicts it at row E when r &lt; E, and evicted at row r when r = E.
     */
    static EvictionGrid grid(EvictionTimeline t, Tokenizer tokenizer, int[] prompt, HeadScope scope, int layer, int kvHead) {
        int n = t.promptLength(), steps = t.steps().size(), positions = n + steps, rows = steps + 1;
        double[][] held = new double[rows][positions];
        double[][] evicted = new double[rows][positions];
        int heads = 0;
        for (int l = 0; l < t.layers(); l++) {
            for (int h = 0; h < t.kvHeads(); h++) {
                if (!scope.covers(l, h, layer, kvHead)) {
                    continue;
                }
                heads++;
                int[] leaves = new int[positions];
                Arrays.fill(leaves, Integer.MAX_VALUE);
                for (int p : t.prefillEvicted()[l][h]) {
                    leaves[p] = 0;
                }
                for (int s = 0; s < steps; s++) {
                    for (int p : t.steps().get(s).evicted()[l][h]) {
                        leaves[p] = s + 1;
                    }
                }
                for (int r = 0; r < rows; r++) {
                    for (int p = 0; p < Math.min(positions, n + r); p++) {
                        if (r < leaves[p]) {
                            held[r][p]++;
                        } else if (r == leaves[p]) {
                            evicted[r][p]++;
                        }
                    }
                }
            }
        }
        for (int r = 0; r < rows; r++) {
            for (int p = 0; p < positions; p++) {
                held[r][p] = p >= n + r ? Double.NaN : held[r][p] / heads;
                evicted[r][p] /= heads;
            }
        }
        List<String> rowLabels = new ArrayList<>(rows);
        rowLabels.add("prefill");
        int[] ids = ids(t, prompt);
        List<String> labels = TokenFocusPane.tokenTexts(tokenizer, ids);
        for (int s = 0; s < steps; s++) {
            rowLabels.add(labels.get(n + s));
        }
        String where = switch (scope) {
            case HEAD -> "layer " + layer + " kv-head " + kvHead;
            case LAYER -> "layer " + layer + ", all kv-heads";
            case ALL -> "all layers and kv-heads";
        };
        return new EvictionGrid(n, held, evicted, rowLabels, labels, where);
    }
}
