package org.kvscope.app.ui.view;

import java.util.ArrayList;
import java.util.List;
import javafx.scene.chart.BarChart;
import javafx.scene.chart.XYChart;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ScrollPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;
import org.kvscope.app.eval.NeedleGridRun;
import org.kvscope.app.ui.Workbench;
import org.kvscope.app.ui.vm.PolicyViewModel;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.engine.CompressedPerplexity;
import org.kvscope.prompts.SuiteDescriptor;

/**
 * Results of the debounced model re-runs: perplexity of the prompt's last quarter against FullKV,
 * and the needle grid (context length × depth) for each policy and the FullKV baseline.
 */
public final class EvaluationPane extends ScrollPane {
    private final WorkbenchViewModel vm;
    private final BarChart<String, Number> ppl = Charts.bar("perplexity-chart", "", "perplexity");
    private final Label pplText = new Label();
    private final List<NeedleGridView> grids = new ArrayList<>();
    private final NeedleGridView baseline = new NeedleGridView(true);

    public EvaluationPane(WorkbenchViewModel vm) {
        this.vm = vm;
        pplText.setId("perplexity-text");
        pplText.getStyleClass().add("totals");
        pplText.setWrapText(true);
        ppl.setLegendVisible(false);
        ppl.setPrefHeight(260);
        ComboBox<SuiteDescriptor> suite = new ComboBox<>();
        suite.setCellFactory(l -> new SuiteCell());
        suite.setButtonCell(new SuiteCell());
        suite.valueProperty().bindBidirectional(vm.needleSuiteProperty());
        vm.modelProperty().addListener((o, a, b) -> suite.getItems().setAll(vm.needleSuites()));
        HBox needleRow = new HBox(16);
        for (PolicyViewModel p : vm.policies()) {
            NeedleGridView g = new NeedleGridView(false);
            g.setId("needles-" + p.label());
            grids.add(g);
            Label title = new Label();
            title.textProperty().bind(p.policyNameProperty().map(n -> "Policy " + p.label() + ": " + n));
            needleRow.getChildren().add(new VBox(4, title, g));
            p.needlesProperty().addListener((o, a, b) -> {
                g.show(b);
                if (p == vm.policyA()) {
                    baseline.show(b);
                }
            });
            p.perplexityProperty().addListener((o, a, b) -> update());
            p.baselineProperty().addListener((o, a, b) -> update());
            p.policyNameProperty().addListener((o, a, b) -> update());
        }
        needleRow.getChildren().add(new VBox(4, new Label("FullKV baseline"), baseline));
        Label needleHelp = new Label("Each cell: share of needle cases retrieved exactly (greedy) at that prompt length "
                + "and needle depth. Re-runs in the background after each change.");
        needleHelp.getStyleClass().add("muted");
        needleHelp.setWrapText(true);
        VBox needles = new VBox(8, new HBox(8, new Label("Needle suite"), suite), needleHelp, needleRow);
        VBox box = new VBox(12,
                new Card("Perplexity vs FullKV (last quarter of the prompt, teacher-forced)", new VBox(6, pplText, ppl),
                        () -> ChartExport.csv(ppl)),
                new Card("Needle retrieval (length × depth)", needles, this::needleCsv));
        box.getStyleClass().add("page");
        setContent(box);
        setFitToWidth(true);
        update();
    }

    /** The perplexity summary line. */
    public String perplexityText() { return pplText.getText(); }

    private void update() {
        StringBuilder sb = new StringBuilder();
        XYChart.Series<String, Number> s = Charts.series(ppl, "perplexity");
        List<XYChart.Data<String, Number>> data = new ArrayList<>();
        CompressedPerplexity.Result base = null;
        for (PolicyViewModel p : vm.policies()) {
            if (p.baselineProperty().get() != null) {
                base = p.baselineProperty().get();
            }
        }
        if (base != null) {
            data.add(new XYChart.Data<>("FullKV", base.perplexity()));
            sb.append(String.format("FullKV %.3f", base.perplexity()));
        }
        for (PolicyViewModel p : vm.policies()) {
            CompressedPerplexity.Result r = p.perplexityProperty().get();
            if (r != null && base != null) {
                data.add(new XYChart.Data<>(p.label() + ": " + p.policyName(), r.perplexity()));
                sb.append(String.format("   %s: %s %.3f (%+.2f%%)", p.label(), p.policyName(), r.perplexity(),
                        100 * (r.perplexity() / base.perplexity() - 1)));
            }
        }
        s.getData().setAll(data);
        pplText.setText(sb.isEmpty() ? "Perplexity appears after a prompt run (computed in the background)." : sb.toString());
    }

    private String needleCsv() {
        List<List<?>> rows = new ArrayList<>();
        for (PolicyViewModel p : vm.policies()) {
            Workbench.NeedleResults g = p.needlesProperty().get();
            if (g == null) {
                continue;
            }
            for (NeedleGridRun.CaseResult c : g.cases()) {
                rows.add(List.of(p.label(), p.policyName(), c.needle().templateId(), c.needle().targetTokens(),
                        c.needle().depth(), c.policy().success(), c.policy().answerLogProb(), c.fullKv().success()));
            }
        }
        return ChartExport.csv(List.of("slot", "policy", "template", "tokens", "depth", "success", "answer_logprob",
                "fullkv_success"), rows);
    }

    private static final class SuiteCell extends ListCell<SuiteDescriptor> {
        @Override
        protected void updateItem(SuiteDescriptor item, boolean empty) {
            super.updateItem(item, empty);
            setText(empty || item == null ? null : item.title());
        }
    }
}
