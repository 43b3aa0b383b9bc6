package org.kvscope.app.ui.view;

import java.util.ArrayList;
import java.util.List;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import org.kordamp.ikonli.javafx.FontIcon;
import org.kvscope.app.ui.vm.CompareViewModel;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.engine.CaptureRun;
import org.kvscope.metrics.KeptDiff;
import org.kvscope.viz.VizStyle;
import org.kvscope.viz.data.LayerSeries;
import org.kvscope.viz.data.TokenWeights;
import org.kvscope.viz.view.LayerMetricChart;
import org.kvscope.viz.view.TokenFlowView;

/**
 * Policy A against policy B: swap and copy buttons ({@link #actions()}); per layer and kv-head the keys
 * kept by A only, B only and both; the selected head's keys as text with A's and B's kept marks; recall A − B by
 * layer; and the perplexity and needle differences.
 */
public final class PolicyDiffPane extends VBox {
    private final WorkbenchViewModel vm;
    private final CompareViewModel compare;
    private final HeadSelection selection;
    private final TableView<Row> table = new TableView<>();
    private final TokenFlowView keys = new TokenFlowView();
    private final LayerMetricChart recall = new LayerMetricChart("", LayerMetricChart.Style.BAR);
    private final Label summary = new Label();
    private final Label evaluation = new Label();
    private final HBox actions;
    private List<String> tokens = List.of();
    private CaptureRun tokensOf;
    private final javafx.beans.property.BooleanProperty active = new javafx.beans.property.SimpleBooleanProperty(true);
    private boolean stale;

    /** One table row: counts of one (layer, kv-head). */
    public record Row(int layer, int kvHead, int aOnly, int bOnly, int both, int neither) {}

    public PolicyDiffPane(WorkbenchViewModel vm, HeadSelection selection) {
        super(8);
        this.vm = vm;
        this.selection = selection;
        this.compare = new CompareViewModel(vm);
        getStyleClass().add("policy-diff");
        Button swap = new Button("Swap A ↔ B", new FontIcon("mdi2s-swap-horizontal"));
        swap.setId("swap-policies");
        swap.setTooltip(new Tooltip("Policy A takes B's policy and values, B takes A's"));
        swap.setOnAction(e -> compare.swap());
        Button copy = new Button("Copy A → B", new FontIcon("mdi2c-content-copy"));
        copy.setId("copy-a-to-b");
        copy.setTooltip(new Tooltip("Policy B takes policy A's policy and values"));
        copy.setOnAction(e -> compare.copyAToB());
        summary.setId("diff-summary");
        summary.setWrapText(true);
        evaluation.setId("diff-evaluation");
        evaluation.getStyleClass().add("totals");
        evaluation.setWrapText(true);
        actions = new HBox(8, swap, copy);
        actions.setAlignment(Pos.CENTER_LEFT);

        table.setId("diff-table");
        table.getColumns().addAll(List.of(column("Layer", Row::layer), column("KV-head", Row::kvHead),
                column("A only", Row::aOnly), column("B only", Row::bOnly), column("Both", Row::both),
                column("Neither", Row::neither)));
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        table.prefHeightProperty().bind(VizStyle.fontScaleProperty().multiply(180)); // grows with the font
        table.getSelectionModel().selectedItemProperty().addListener((o, a, r) -> {
            if (r != null && vm.capture() != null) {
                var ev = vm.capture().capture().evidence();
                selection.layerProperty().set(r.layer());
                if (selection.headProperty().get() / ev.groupSize() != r.kvHead()) {
                    selection.headProperty().set(r.kvHead() * ev.groupSize());
                }
            }
        });
        keys.setId("diff-keys");
        keys.prefHeightProperty().bind(VizStyle.fontScaleProperty().multiply(150));
        recall.setId("recall-diff-chart");
        recall.prefHeightProperty().bind(VizStyle.fontScaleProperty().multiply(200));
        HBox counts = new HBox(10, new Card("Kept keys by layer and kv-head", table, this::rows), 
                new Card("Recall A − B by layer", recall, () -> recall.dataProperty().get()));
        HBox.setHgrow(counts.getChildren().get(0), Priority.ALWAYS);
        HBox.setHgrow(counts.getChildren().get(1), Priority.ALWAYS);
        Label legend = new Label("Keys of the selected layer and kv-head: blue bar = kept by A, orange bar = kept by B, "
                + "both bars = kept by both, none = evicted by both.");
        legend.getStyleClass().add("muted");
        legend.setWrapText(true);
        getChildren().addAll(summary, evaluation, counts,
                new Card("Keys kept by A only, B only and both", new VBox(4, legend, keys), () -> keys.dataProperty().get()));
        compare.diffProperty().addListener((o, a, d) -> update());
        selection.layerProperty().addListener((o, a, b) -> update());
        selection.headProperty().addListener((o, a, b) -> update());
        active.addListener((o, a, on) -> {
            if (on && stale) {
                update();
            }
        });
        for (var p : vm.policies()) {
            p.perplexityProperty().addListener((o, a, b) -> updateEvaluation());
            p.needlesProperty().addListener((o, a, b) -> updateEvaluation());
        }
        update();
    }

    /** Whether the pane is on screen; while it is not, changes only mark it stale. */
    public javafx.beans.property.BooleanProperty activeProperty() { return active; }

    /** Swap A ↔ B and Copy A → B (the page puts them beside the heatmap controls, in sight). */
    public HBox actions() { return actions; }

    /** The view-model behind the pane. */
    public CompareViewModel model() { return compare; }

    /** The summary line of the selected head. */
    public String summary() { return summary.getText(); }

    /** The per-key view. */
    public TokenFlowView keys() { return keys; }

    public LayerMetricChart recallDifferenceChart() { return recall; }

    public TableView<Row> table() { return table; }

    private static TableColumn<Row, Integer> column(String title, java.util.function.ToIntFunction<Row> value) {
        TableColumn<Row, Integer> c = new TableColumn<>(title);
        // the header stays readable in a narrow window, at every font size (presentation mode)
        c.minWidthProperty().bind(VizStyle.fontScaleProperty().multiply(8 * title.length() + 20));
        c.setCellValueFactory(d -> new ReadOnlyObjectWrapper<>(value.applyAsInt(d.getValue())));
        c.setSortable(true);
        return c;
    }

    private org.kvscope.viz.data.CsvWritable rows() {
        StringBuilder sb = new StringBuilder("layer,kv_head,a_only,b_only,both,neither\n");
        for (Row r : table.getItems()) {
            sb.append(r.layer()).append(',').append(r.kvHead()).append(',').append(r.aOnly()).append(',')
                    .append(r.bOnly()).append(',').append(r.both()).append(',').append(r.neither()).append('\n');
        }
        return table.getItems().isEmpty() ? null : sb::toString;
    }

    private void update() {
        if (!active.get()) {
            stale = true;
            return;
        }
        stale = false;
        KeptDiff d = compare.diff();
        List<Row> rows = new ArrayList<>();
        if (d != null) {
            for (int l = 0; l < d.layers(); l++) {
                for (int h = 0; h < d.kvHeads(); h++) {
                    rows.add(new Row(l, h, d.aOnly()[l][h], d.bOnly()[l][h], d.both()[l][h], d.neither(l, h)));
                }
            }
            recall.setData("recall A − B", List.of(new LayerSeries("A − B", d.recallDifference().clone())));
            recall.autoYRange();
        } else {
            recall.setData("recall A − B", List.of());
        }
        table.getItems().setAll(rows);
        updateKeys();
        updateEvaluation();
    }

    private void updateEvaluation() {
        String text = compare.evaluationDifference();
        evaluation.setText(text.isEmpty() ? "Perplexity and needle differences appear when both re-runs finish." : text);
    }

    private void updateKeys() {
        KeptDiff d = compare.diff();
        CaptureRun run = vm.capture();
        var a = vm.policyA().analysis();
        var b = vm.policyB().analysis();
        if (d == null || run == null || a == null || b == null || vm.model() == null) {
            keys.setData(null);
            summary.setText("Run a prompt to compare what A and B keep.");
            return;
        }
        var ev = run.capture().evidence();
        int l = Math.min(selection.layerProperty().get(), d.layers() - 1);
        int head = Math.min(selection.headProperty().get(), ev.heads() - 1);
        int kvh = head / ev.groupSize();
        int n = d.keyCount();
        if (tokensOf != run) {
            tokens = TokenFocusPane.tokenTexts(vm.model().tokenizer(), run.promptTokens());
            tokensOf = run;
        }
        double[] ka = new double[n], kb = new double[n];
        for (int p : a.kept().of(l, kvh)) {
            if (p < n) {
                ka[p] = 1;
            }
        }
        for (int p : b.kept().of(l, kvh)) {
            if (p < n) {
                kb[p] = 1;
            }
        }
        keys.setData(new TokenWeights(tokens, null, -1, ka, kb, "keys kept by A and B, layer " + l + " kv-head " + kvh));
        summary.setText(String.format("Layer %d kv-head %d: A only %d, B only %d, both %d, neither %d of %d keys; "
                        + "recall A − B in layer %d: %+.3f", l, kvh, d.aOnly()[l][kvh], d.bOnly()[l][kvh], d.both()[l][kvh],
                d.neither(l, kvh), n, l, d.recallDifference()[l]));
    }
}
