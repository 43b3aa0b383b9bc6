package org.kvscope.app.ui.view;

import java.util.ArrayList;
import java.util.List;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ScrollPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import org.kvscope.app.ui.Workbench;
import org.kvscope.app.ui.vm.PolicyViewModel;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.engine.CompressedPerplexity;
import org.kvscope.kv.BudgetParameters;
import org.kvscope.prompts.SuiteDescriptor;
import org.kvscope.viz.data.NeedleGrid;
import org.kvscope.viz.data.PerplexityDelta;
import org.kvscope.viz.data.PerplexityDeltas;
import org.kvscope.viz.view.NeedleGridView;
import org.kvscope.viz.view.PerplexityDeltaChart;

/**
 * Results of the debounced model re-runs: perplexity of the prompt's last quarter against FullKV,
 * and the needle grid (context length × depth) for each policy and the FullKV baseline; and both
 * against budget over a suite's prompts ({@link BudgetCurvesPane}).
 */
public final class EvaluationPane extends ScrollPane {
    private final WorkbenchViewModel vm;
    private final PerplexityDeltaChart ppl = new PerplexityDeltaChart();
    private final Label pplText = new Label();
    private final List<NeedleGridView> grids = new ArrayList<>();
    private final NeedleGridView baseline = new NeedleGridView();
    private final BudgetCurvesPane curves;
    private final UpdatesWhenShown updates = new UpdatesWhenShown(this::updateAll);

    public EvaluationPane(WorkbenchViewModel vm) {
        this.vm = vm;
        this.curves = new BudgetCurvesPane(vm);
        pplText.setId("perplexity-text");
        pplText.getStyleClass().add("totals");
        pplText.setWrapText(true);
        ppl.setId("perplexity-chart");
        ppl.setPrefHeight(260);
        ComboBox<SuiteDescriptor> suite = new ComboBox<>();
        suite.setCellFactory(l -> new SuiteCell());
        suite.setButtonCell(new SuiteCell());
        suite.valueProperty().bindBidirectional(vm.needleSuiteProperty());
        vm.modelProperty().addListener((o, a, b) -> suite.getItems().setAll(vm.needleSuites()));
        HBox needleRow = new HBox(12);
        for (PolicyViewModel p : vm.policies()) {
            NeedleGridView g = new NeedleGridView();
            g.setId("needles-" + p.label());
            g.setPrefSize(300, 220);
            grids.add(g);
            HBox.setHgrow(g, Priority.ALWAYS);
            needleRow.getChildren().add(g);
            p.needlesProperty().addListener((o, a, b) -> updates.changed(() -> updateNeedles(p)));
            p.perplexityProperty().addListener((o, a, b) -> updates.changed(this::update));
            p.baselineProperty().addListener((o, a, b) -> updates.changed(this::update));
            p.policyNameProperty().addListener((o, a, b) -> updates.changed(this::update));
        }
        baseline.setId("needles-fullkv");
        baseline.setPrefSize(300, 220);
        HBox.setHgrow(baseline, Priority.ALWAYS);
        needleRow.getChildren().add(baseline);
        List<NeedleGridView> row = new ArrayList<>(grids);
        row.add(baseline);
        NeedleGridView.alignTitles(row);
        Label needleHelp = new Label("Cell colour: blue when every case at that prompt length and needle depth was "
                + "retrieved exactly by greedy decoding, orange otherwise (a colour-blind-safe pair); n = cases per "
                + "cell; re-run in the background after each change.");
        needleHelp.getStyleClass().add("muted");
        needleHelp.setWrapText(true);
        VBox needles = new VBox(8, new HBox(8, new Label("Needle suite"), suite), needleHelp, needleRow);
        VBox box = new VBox(12,
                new Card("Perplexity vs FullKV (last quarter of the prompt, teacher-forced)", new VBox(6, pplText, ppl),
                        () -> ppl.dataProperty().get()),
                new Card("Needle retrieval (length × depth)", needles, () -> grids.get(0).gridProperty().get()),
                new Card("Perplexity and needle accuracy against budget, spread over prompts", curves,
                        () -> curves.perplexityChart().dataProperty().get()));
        box.getStyleClass().add("page");
        setContent(box);
        setFitToWidth(true);
        curves.activeProperty().bind(updates.activeProperty());
        update();
    }

    /**
     * Whether the pane is on screen. While it is not, the re-runs' results only mark it stale (a
     * policy switch or slider move re-runs perplexity in the background every time); it is brought up
     * to date when shown again or read.
     */
    public javafx.beans.property.BooleanProperty activeProperty() { return updates.activeProperty(); }

    /** How many times the pane updated its views (for tests: none while hidden). */
    int viewUpdates() { return updates.updates(); }

    /** The perplexity summary line. */
    public String perplexityText() { updates.flush(); return pplText.getText(); }

    public PerplexityDeltaChart perplexityChart() { updates.flush(); return ppl; }

    /** The curves against budget. */
    public BudgetCurvesPane curves() { return curves; }

    /** The needle grid shown for policy {@code index} (0 = A), or null. */
    public NeedleGrid needleGrid(int index) { updates.flush(); return grids.get(index).gridProperty().get(); }

    private void updateAll() {
        update();
        vm.policies().forEach(this::updateNeedles);
    }

    private void updateNeedles(PolicyViewModel p) {
        Workbench.NeedleResults b = p.needlesProperty().get();
        grids.get(vm.policies().indexOf(p)).setGrid(VizData.needles(b, false, "Policy " + p.label() + ": " + p.policyName()));
        if (p == vm.policyA()) {
            baseline.setGrid(VizData.needles(b, true, "FullKV baseline"));
        }
    }

    private void update() {
        StringBuilder sb = new StringBuilder();
        List<PerplexityDelta> deltas = new ArrayList<>();
        CompressedPerplexity.Result base = null;
        for (PolicyViewModel p : vm.policies()) {
            if (p.baselineProperty().get() != null) {
                base = p.baselineProperty().get();
            }
        }
        if (base != null) {
            sb.append(String.format("FullKV %.3f", base.perplexity()));
        }
        for (PolicyViewModel p : vm.policies()) {
            CompressedPerplexity.Result r = p.perplexityProperty().get();
            if (r != null && base != null) {
                Object budget = p.values().get(BudgetParameters.BUDGET);
                int b = budget instanceof Integer i ? i : vm.capture() == null ? 0 : vm.capture().promptTokens().length;
                deltas.add(new PerplexityDelta(p.label() + ": " + p.policyName(), Math.max(1, b), base.perplexity(),
                        r.perplexity()));
                sb.append(String.format("   %s: %s %.3f (%+.2f%%)", p.label(), p.policyName(), r.perplexity(),
                        100 * (r.perplexity() / base.perplexity() - 1)));
            }
        }
        ppl.setData(new PerplexityDeltas(deltas));
        pplText.setText(sb.isEmpty() ? "Perplexity appears after a prompt run (computed in the background)." : sb.toString());
    }

    /** A suite shown by its title. */
    static final class SuiteCell extends ListCell<SuiteDescriptor> {
        @Override
        protected void updateItem(SuiteDescriptor item, boolean empty) {
            super.updateItem(item, empty);
            setText(empty || item == null ? null : item.title());
        }
    }
}
