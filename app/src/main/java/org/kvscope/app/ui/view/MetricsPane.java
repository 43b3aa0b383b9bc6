package org.kvscope.app.ui.view;

import java.util.List;
import javafx.scene.chart.BarChart;
import javafx.scene.chart.LineChart;
import javafx.scene.chart.XYChart;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.layout.ColumnConstraints;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import org.kvscope.app.ui.vm.BudgetPoint;
import org.kvscope.app.ui.vm.PolicyViewModel;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.engine.CaptureRun;
import org.kvscope.metrics.PolicyAnalysis;
import org.kvscope.trace.FunnelingStats;

/**
 * Instant views of both policies, recomputed from the capture on every change: recall by layer,
 * recall against budget, PvC overlap by layer, KV memory by layer, and the funneling profile with
 * each policy's budget overlaid.
 */
public final class MetricsPane extends ScrollPane {
    private final WorkbenchViewModel vm;
    private final LineChart<Number, Number> recall = Charts.line("recall-chart", "layer", "attention recall");
    private final LineChart<Number, Number> recallBudget = Charts.line("recall-budget-chart", "budget (entries / kv-head)",
            "mean recall");
    private final LineChart<Number, Number> overlap = Charts.line("overlap-chart", "layer", "PvC top-k overlap");
    private final BarChart<String, Number> memory = Charts.bar("memory-chart", "layer", "KV bytes");
    private final LineChart<Number, Number> funneling = Charts.line("funneling-chart", "layer", "positions");
    private final Label totals = new Label();

    public MetricsPane(WorkbenchViewModel vm) {
        this.vm = vm;
        totals.setId("metrics-totals");
        totals.getStyleClass().add("totals");
        totals.setWrapText(true);
        ((javafx.scene.chart.NumberAxis) recall.getYAxis()).setAutoRanging(false);
        ((javafx.scene.chart.NumberAxis) recall.getYAxis()).setLowerBound(0);
        ((javafx.scene.chart.NumberAxis) recall.getYAxis()).setUpperBound(1.02);
        ((javafx.scene.chart.NumberAxis) recall.getYAxis()).setTickUnit(0.2);
        GridPane grid = new GridPane();
        grid.setHgap(10);
        grid.setVgap(10);
        for (int i = 0; i < 2; i++) {
            ColumnConstraints c = new ColumnConstraints();
            c.setPercentWidth(50);
            c.setHgrow(Priority.ALWAYS);
            grid.getColumnConstraints().add(c);
        }
        grid.add(new Card("Attention recall by layer", recall, () -> ChartExport.csv(recall)), 0, 0);
        grid.add(new Card("Recall against budget", recallBudget, () -> ChartExport.csv(recallBudget)), 1, 0);
        grid.add(new Card("KV memory by layer: kept vs full", memory, () -> ChartExport.csv(memory)), 0, 1);
        grid.add(new Card("PvC overlap by layer", overlap, () -> ChartExport.csv(overlap)), 1, 1);
        grid.add(new Card("Funneling: positions holding 90% of attention vs budget", funneling,
                () -> ChartExport.csv(funneling)), 0, 2, 2, 1);
        VBox box = new VBox(10, totals, grid);
        box.getStyleClass().add("page");
        setContent(box);
        setFitToWidth(true);
        for (PolicyViewModel p : vm.policies()) {
            p.analysisProperty().addListener((o, a, b) -> update());
            p.recallCurveProperty().addListener((o, a, b) -> updateCurves());
            p.layerBudgetsProperty().addListener((o, a, b) -> updateFunneling());
        }
        vm.captureProperty().addListener((o, a, b) -> { update(); updateFunneling(); });
        update();
    }

    /** The one-line totals above the charts (recall, overlap, memory of A and B). */
    public String totals() { return totals.getText(); }

    public LineChart<Number, Number> recallChart() { return recall; }
    public BarChart<String, Number> memoryChart() { return memory; }
    public LineChart<Number, Number> overlapChart() { return overlap; }

    private static String name(PolicyViewModel p) {
        return p.label() + ": " + p.policyName();
    }

    private void update() {
        StringBuilder text = new StringBuilder();
        boolean fullDone = false;
        for (PolicyViewModel p : vm.policies()) {
            PolicyAnalysis a = vm.capture() == null ? null : p.analysis();
            for (XYChart.Series<?, ?> s : List.copyOf(recall.getData())) {
                if (s.getName().startsWith(p.label() + ":") && !s.getName().equals(name(p))) {
                    recall.getData().remove(s);
                    overlap.getData().removeIf(x -> x.getName().equals(s.getName()));
                    memory.getData().removeIf(x -> x.getName().equals(s.getName() + " kept"));
                }
            }
            if (a == null) {
                continue;
            }
            int layers = a.recall().length;
            double[] r = new double[layers];
            double[] kept = new double[layers];
            double[] full = new double[layers];
            for (int l = 0; l < layers; l++) {
                r[l] = a.recall(l);
                kept[l] = a.memory().keptBytesPerLayer()[l];
                full[l] = a.memory().fullBytesPerLayer()[l];
            }
            Charts.byLayer(recall, name(p), r);
            Charts.byLayer(overlap, name(p), a.pvcOverlap());
            if (!fullDone) {
                Charts.byLayer(memory, "full", full);
                fullDone = true;
            }
            Charts.byLayer(memory, name(p) + " kept", kept);
            text.append(String.format("%s — recall %.3f, PvC overlap %.3f, KV %s of %s (%.0f%%)%s   ",
                    name(p), a.meanRecall(), a.meanPvcOverlap(),
                    org.kvscope.app.ui.vm.ModelFacts.bytes(a.memory().keptTotal()),
                    org.kvscope.app.ui.vm.ModelFacts.bytes(a.memory().fullTotal()), 100 * a.memory().ratio(),
                    a.recallFromDecode() ? "" : " (recall on prompt window)"));
        }
        totals.setText(text.isEmpty() ? "Run a prompt to see recall, overlap and memory." : text.toString().strip());
    }

    private void updateCurves() {
        for (PolicyViewModel p : vm.policies()) {
            recallBudget.getData().removeIf(s -> s.getName().startsWith(p.label() + ":") && !s.getName().equals(name(p)));
            XYChart.Series<Number, Number> s = Charts.series(recallBudget, name(p));
            s.getData().clear();
            for (BudgetPoint bp : p.recallCurveProperty().get()) {
                s.getData().add(new XYChart.Data<>(bp.budget(), bp.recall()));
            }
        }
    }

    private void updateFunneling() {
        CaptureRun run = vm.capture();
        if (run == null) {
            funneling.getData().clear();
            return;
        }
        FunnelingStats f = run.capture().funneling();
        double[] p90 = new double[f.layers()];
        for (int l = 0; l < p90.length; l++) {
            p90[l] = f.positionsFor90(l);
        }
        Charts.byLayer(funneling, "positions for 90% mass", p90);
        for (PolicyViewModel p : vm.policies()) {
            funneling.getData().removeIf(s -> s.getName().startsWith(p.label() + ":") && !s.getName().equals(name(p) + " budget"));
            int[] b = p.layerBudgetsProperty().get();
            double[] d = b == null ? null : java.util.Arrays.stream(b).asDoubleStream().toArray();
            Charts.byLayer(funneling, name(p) + " budget", d);
        }
    }
}
