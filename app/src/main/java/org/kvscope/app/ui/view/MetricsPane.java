package org.kvscope.app.ui.view;

import java.util.ArrayList;
import java.util.List;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.control.Spinner;
import javafx.scene.layout.HBox;
import javafx.scene.control.ScrollPane;
import javafx.scene.layout.ColumnConstraints;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import org.kvscope.app.ui.vm.ModelFacts;
import org.kvscope.app.ui.vm.PolicyViewModel;
import org.kvscope.app.ui.vm.PvcViewModel;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.engine.CaptureRun;
import org.kvscope.metrics.PolicyAnalysis;
import org.kvscope.metrics.PvcConsistency;
import org.kvscope.trace.FunnelingStats;
import org.kvscope.viz.data.BudgetCurve;
import org.kvscope.viz.data.BudgetCurveSet;
import org.kvscope.viz.data.LayerSeries;
import org.kvscope.viz.view.BudgetCurveChart;
import org.kvscope.viz.view.FunnelMetric;
import org.kvscope.viz.view.FunnellingChart;
import org.kvscope.viz.view.KvMemoryChart;
import org.kvscope.viz.view.LayerMetricChart;

/**
 * Instant views of both policies, recomputed from the capture on every change: recall by layer,
 * recall against budget, KV memory by layer (kept vs full) for A and B, and the funneling profile
 * of the captured run with each policy's per-layer budget overlaid; plus the PvC overlap by layer,
 * a property of the model shown once (PyramidInfer's definition, or consecutive queries as an option).
 */
public final class MetricsPane extends ScrollPane {
    private final WorkbenchViewModel vm;
    private final LayerMetricChart recall = new LayerMetricChart("", LayerMetricChart.Style.LINE);
    private final BudgetCurveChart recallBudget = new BudgetCurveChart("");
    private final LayerMetricChart overlap = new LayerMetricChart("", LayerMetricChart.Style.LINE);
    private final List<KvMemoryChart> memory = List.of(new KvMemoryChart(), new KvMemoryChart());
    private final FunnellingChart funneling = new FunnellingChart();
    private final javafx.beans.property.BooleanProperty active = new javafx.beans.property.SimpleBooleanProperty(true);
    private boolean stale;
    private final Label totals = new Label();
    private final PvcViewModel pvc;
    private final Label pvcCaption = new Label();

    public MetricsPane(WorkbenchViewModel vm) {
        this.vm = vm;
        this.pvc = new PvcViewModel(vm);
        totals.setId("metrics-totals");
        totals.getStyleClass().add("totals");
        totals.setWrapText(true);
        recall.setId("recall-chart");
        recall.setYRange(0, 1);
        overlap.setId("overlap-chart");
        overlap.setYRange(0, 1);
        recallBudget.setId("recall-budget-chart");
        funneling.setId("funnelling-chart");
        funneling.metricProperty().set(FunnelMetric.POSITIONS_FOR_90_MASS);
        GridPane grid = new GridPane();
        grid.setHgap(10);
        grid.setVgap(10);
        for (int i = 0; i < 2; i++) {
            ColumnConstraints c = new ColumnConstraints();
            c.setPercentWidth(50);
            c.setHgrow(Priority.ALWAYS);
            grid.getColumnConstraints().add(c);
        }
        grid.add(new Card("Attention recall by layer", recall, () -> recall.dataProperty().get()), 0, 0);
        grid.add(new Card("Recall against budget (log₂ axis)", recallBudget, () -> recallBudget.dataProperty().get()), 1, 0);
        for (int i = 0; i < memory.size(); i++) {
            KvMemoryChart m = memory.get(i);
            m.setId("memory-chart-" + vm.policies().get(i).label());
            PolicyViewModel p = vm.policies().get(i);
            grid.add(new Card("KV memory by layer — policy " + p.label(), m, () -> m.dataProperty().get()), i, 1);
        }
        grid.add(new Card("PvC overlap by layer — a model property (same for A and B)", pvcControls(),
                () -> overlap.dataProperty().get()), 0, 2);
        grid.add(new Card("Funnelling by layer, budgets overlaid", funneling, funneling::shownData), 1, 2);
        VBox box = new VBox(10, totals, grid);
        box.getStyleClass().add("page");
        setContent(box);
        setFitToWidth(true);
        for (PolicyViewModel p : vm.policies()) {
            p.analysisProperty().addListener((o, a, b) -> changed(this::update));
            p.recallCurveProperty().addListener((o, a, b) -> changed(this::updateCurves));
            p.layerBudgetsProperty().addListener((o, a, b) -> changed(this::updateFunnelling));
        }
        pvc.resultProperty().addListener((o, a, b) -> changed(this::updatePvc));
        vm.captureProperty().addListener((o, a, b) -> changed(() -> {
            update();
            updateFunnelling();
        }));
        active.addListener((o, a, on) -> {
            if (on) {
                flush();
            }
        });
        updateTotals();
        updateCharts();
    }

    /**
     * Whether the pane is on screen. While it is not, the totals text (shown elsewhere too) stays
     * live but the charts only go stale and are brought up to date when shown or read, so a slider
     * move does not rebuild charts nobody sees.
     */
    public javafx.beans.property.BooleanProperty activeProperty() { return active; }

    /** Totals always; the charts that depend on the change only while on screen. */
    private void changed(Runnable charts) {
        updateTotals();
        if (active.get() && !stale) {
            charts.run();
        } else if (active.get()) {
            updateCharts();
        } else {
            stale = true;
        }
    }

    /** Brings stale charts up to date, on the FX thread (waiting for it when called from another). */
    private void flush() {
        if (!stale) {
            return;
        }
        if (javafx.application.Platform.isFxApplicationThread()) {
            updateCharts();
            return;
        }
        java.util.concurrent.FutureTask<Void> task = new java.util.concurrent.FutureTask<>(() -> {
            if (stale) {
                updateCharts();
            }
        }, null);
        javafx.application.Platform.runLater(task);
        try {
            task.get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not update the metrics charts: " + e, e);
        }
    }

    private void updateCharts() {
        stale = false;
        update();
        updatePvc();
        updateCurves();
        updateFunnelling();
    }

    /** The totals above the charts (recall, overlap, memory of A and B). */
    public String totals() { return totals.getText(); }

    /** The totals text, for other panes that show the same comparison. */
    public javafx.beans.property.StringProperty totalsProperty() { return totals.textProperty(); }

    public LayerMetricChart recallChart() { flush(); return recall; }
    public LayerMetricChart overlapChart() { flush(); return overlap; }
    public KvMemoryChart memoryChart(int policy) { flush(); return memory.get(policy); }
    public FunnellingChart funnelingChart() { flush(); return funneling; }

    private static String name(PolicyViewModel p) {
        return p.label() + ": " + p.policyName();
    }

    private void updateTotals() {
        StringBuilder text = new StringBuilder();
        for (PolicyViewModel p : vm.policies()) {
            PolicyAnalysis a = vm.capture() == null ? null : p.analysis();
            if (a != null) {
                text.append(String.format("%s — recall %.3f, KV %s of %s (%.0f%%)%s%n",
                        name(p), a.meanRecall(), ModelFacts.bytes(a.memory().keptTotal()),
                        ModelFacts.bytes(a.memory().fullTotal()), 100 * a.memory().ratio(),
                        a.recallFromDecode() ? "" : " (recall on the prompt's last queries)"));
            }
        }
        if (!text.isEmpty() && pvc.result() != null) {
            text.append(PvcViewModel.describe(pvc.result()));
        }
        totals.setText(text.isEmpty() ? "Run a prompt to see recall, overlap and memory." : text.toString().strip());
    }

    private void update() {
        List<LayerSeries> recalls = new ArrayList<>();
        for (int i = 0; i < vm.policies().size(); i++) {
            PolicyViewModel p = vm.policies().get(i);
            PolicyAnalysis a = vm.capture() == null ? null : p.analysis();
            if (a == null) {
                continue;
            }
            recalls.add(new LayerSeries(name(p), VizData.recallByLayer(a)));
            memory.get(i).setData(VizData.memory(a));
        }
        recall.setData("attention recall", recalls);
    }

    /** The model's PvC overlap: one series, whatever the policies. */
    private void updatePvc() {
        PvcConsistency p = vm.capture() == null ? null : pvc.result();
        overlap.setData(p == null ? "PvC overlap" : "PvC overlap (k = " + p.k() + ")",
                p == null ? List.of() : List.of(new LayerSeries("model (FullKV run)", p.byLayer())));
        pvcCaption.setText(p == null ? "Run a prompt to measure the model's PvC overlap." : PvcViewModel.describe(p)
                + (p.definition() == PvcConsistency.Definition.RECENT_VS_LATER
                ? ": the top-k keys of the last prompt queries' mean attention against each later generated token's top-k."
                : ": the top-k keys of each recent prompt query against the next one's."));
    }

    private VBox pvcControls() {
        ChoiceBox<PvcConsistency.Definition> definition = new ChoiceBox<>();
        definition.setId("pvc-definition");
        definition.getItems().setAll(PvcConsistency.Definition.values());
        definition.valueProperty().bindBidirectional(pvc.definitionProperty());
        Spinner<Integer> k = new Spinner<>(1, 4096, PvcViewModel.DEFAULT_K);
        k.setId("pvc-k");
        k.setEditable(true);
        k.setPrefWidth(80);
        k.valueProperty().addListener((o, a, b) -> pvc.kProperty().set(b));
        Spinner<Integer> window = new Spinner<>(2, 64, PvcViewModel.DEFAULT_WINDOW);
        window.setId("pvc-window");
        window.setEditable(true);
        window.setPrefWidth(70);
        window.valueProperty().addListener((o, a, b) -> pvc.windowProperty().set(b));
        javafx.scene.layout.FlowPane bar = new javafx.scene.layout.FlowPane(6, 4, definition, new Label("k"), k, new Label("window"), window);
        bar.setAlignment(javafx.geometry.Pos.CENTER_LEFT);
        pvcCaption.setId("pvc-caption");
        pvcCaption.getStyleClass().add("muted");
        pvcCaption.setWrapText(true);
        VBox.setVgrow(overlap, Priority.ALWAYS);
        return new VBox(4, bar, pvcCaption, overlap);
    }

    /** The PvC overlap's view-model (definition, k, window and result). */
    public PvcViewModel pvc() { return pvc; }

    /** The line under the PvC controls. */
    public String pvcCaption() { return pvcCaption.getText(); }

    private void updateCurves() {
        List<BudgetCurve> curves = new ArrayList<>();
        for (PolicyViewModel p : vm.policies()) {
            if (!p.recallCurveProperty().get().isEmpty()) {
                curves.add(VizData.curve(name(p), p.recallCurveProperty().get()));
            }
        }
        recallBudget.setData(new BudgetCurveSet("mean attention recall", curves));
    }

    private void updateFunnelling() {
        CaptureRun run = vm.capture();
        if (run == null) {
            for (FunnelMetric m : FunnelMetric.values()) {
                funneling.setSeries(m, List.of());
                funneling.setBands(m, List.of());
            }
            funneling.setTokens(0);
            return;
        }
        FunnelingStats f = run.capture().funneling();
        double[] entropy = new double[f.layers()];
        double[] p90 = new double[f.layers()];
        double[] sink = new double[f.layers()];
        for (int l = 0; l < f.layers(); l++) {
            entropy[l] = f.entropy(l);
            p90[l] = f.positionsFor90(l);
            sink[l] = f.sinkMass(l);
        }
        funneling.setSeries(FunnelMetric.ENTROPY, List.of(new LayerSeries("FullKV run", entropy)));
        funneling.setSeries(FunnelMetric.SINK_MASS, List.of(new LayerSeries("FullKV run", sink)));
        List<LayerSeries> positions = new ArrayList<>();
        positions.add(new LayerSeries("FullKV run", p90));
        for (PolicyViewModel p : vm.policies()) {
            int[] b = p.layerBudgetsProperty().get();
            if (b != null && b.length == p90.length) {
                positions.add(new LayerSeries(name(p) + " budget", java.util.Arrays.stream(b).asDoubleStream().toArray()));
            }
        }
        funneling.setSeries(FunnelMetric.POSITIONS_FOR_90_MASS, positions);
        for (FunnelMetric m : FunnelMetric.values()) {
            funneling.setBands(m, List.of(VizData.headSpread("FullKV run", f, m)));
        }
        funneling.setTokens(run.promptTokens().length);
    }
}
