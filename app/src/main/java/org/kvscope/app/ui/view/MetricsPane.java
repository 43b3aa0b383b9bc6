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
import org.kvscope.app.ui.vm.LatestTask;
import org.kvscope.app.ui.vm.ModelFacts;
import org.kvscope.app.ui.vm.PolicyViewModel;
import org.kvscope.app.ui.vm.PvcViewModel;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.engine.CaptureRun;
import org.kvscope.metrics.PolicyAnalysis;
import org.kvscope.metrics.PvcConsistency;
import org.kvscope.trace.FunnellingStats;
import org.kvscope.viz.data.BudgetCurve;
import org.kvscope.viz.data.BudgetCurveSet;
import org.kvscope.viz.data.HeadValues;
import org.kvscope.viz.data.KvMemoryGroups;
import org.kvscope.viz.data.KvMemoryUsage;
import org.kvscope.viz.data.LayerSeries;
import org.kvscope.viz.data.MeanAttentionRows;
import org.kvscope.viz.view.BudgetCurveChart;
import org.kvscope.viz.view.FunnelMetric;
import org.kvscope.viz.view.FunnellingChart;
import org.kvscope.viz.view.HeadValuesChart;
import org.kvscope.viz.view.KvMemoryChart;
import org.kvscope.viz.view.LayerMetricChart;
import org.kvscope.viz.view.MeanAttentionRowsView;

/**
 * Instant views of both policies, recomputed from the capture on every change: recall by layer,
 * recall against budget, KV memory by layer (A and B grouped beside the full cache), and the
 * funnelling profile of the captured run with each policy's per-layer budget overlaid; plus the PvC
 * overlap by layer, a property of the model shown once (PyramidInfer's definition, or consecutive
 * queries as an option). For teaching funnelling: per-head entropy (sortable, with the ln n line)
 * and the PyramidKV figure, each layer's mean attention row, both following the selected layer and
 * built in the background from the capture.
 */
public final class MetricsPane extends ScrollPane {
    private final WorkbenchViewModel vm;
    private final LayerMetricChart recall = new LayerMetricChart("", LayerMetricChart.Style.LINE);
    private final BudgetCurveChart recallBudget = new BudgetCurveChart("");
    private final LayerMetricChart overlap = new LayerMetricChart("", LayerMetricChart.Style.LINE);
    private final KvMemoryChart memory = new KvMemoryChart();
    private final FunnellingChart funnelling = new FunnellingChart();
    private final HeadValuesChart headEntropy = new HeadValuesChart();
    private final MeanAttentionRowsView meanRows = new MeanAttentionRowsView();
    private final Label meanRowsHover = new Label(" ");
    private final LatestTask<Teaching> teaching = new LatestTask<>();
    private final javafx.beans.property.BooleanProperty active = new javafx.beans.property.SimpleBooleanProperty(true);
    private boolean stale;
    private final Label totals = new Label();
    private final PvcViewModel pvc;
    private final Label pvcCaption = new Label();

    /** What the funnelling teaching views show, built off the FX thread from one capture. */
    private record Teaching(CaptureRun run, MeanAttentionRows rows, HeadValues entropy) {
    }

    public MetricsPane(WorkbenchViewModel vm, HeadSelection selection) {
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
        funnelling.setId("funnelling-chart");
        funnelling.metricProperty().set(FunnelMetric.POSITIONS_FOR_90_MASS);
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
        memory.setId("memory-chart");
        grid.add(new Card("KV memory by layer — A and B beside the full cache", memory,
                () -> memory.groupsProperty().get()), 0, 1);
        grid.add(new Card("PvC overlap by layer — a model property (same for A and B)", pvcControls(),
                () -> overlap.dataProperty().get()), 1, 1);
        grid.add(new Card("Funnelling by layer, budgets overlaid", funnelling, funnelling::shownData), 0, 2);
        grid.add(new Card("Attention entropy per head (FullKV run)", headEntropy,
                () -> headEntropy.dataProperty().get()), 1, 2);
        grid.add(new Card("Mean attention by layer — the PyramidKV figure", meanRowsBox(),
                () -> meanRows.dataProperty().get()), 0, 3, 2, 1);
        linkToSelectedLayer(selection);
        teaching.resultProperty().addListener((o, a, t) -> showTeaching(t));
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
        vm.captureProperty().addListener((o, a, run) -> buildTeaching(run));
        buildTeaching(vm.capture());
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
    /** KV memory of A and B grouped per layer beside the full cache. */
    public KvMemoryChart memoryChart() { flush(); return memory; }
    public FunnellingChart funnellingChart() { flush(); return funnelling; }
    /** Per-head attention entropy of the captured run (built in the background: see {@link #teachingReady()}). */
    public HeadValuesChart headEntropyChart() { return headEntropy; }
    /** The PyramidKV figure: each layer's mean attention row (built in the background). */
    public MeanAttentionRowsView meanAttentionRows() { return meanRows; }
    /** Whether the entropy and mean-attention views show the current capture. */
    public boolean teachingReady() {
        Teaching t = teaching.result();
        return !teaching.runningProperty().get() && (vm.capture() == null ? t == null : t != null && t.run() == vm.capture());
    }

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
        List<String> names = new ArrayList<>();
        List<KvMemoryUsage> usages = new ArrayList<>();
        for (PolicyViewModel p : vm.policies()) {
            PolicyAnalysis a = vm.capture() == null ? null : p.analysis();
            if (a == null) {
                continue;
            }
            recalls.add(new LayerSeries(name(p), VizData.recallByLayer(a)));
            names.add(name(p));
            usages.add(VizData.memory(a));
        }
        recall.setData("attention recall", recalls);
        memory.setGroups(usages.isEmpty() ? null : new KvMemoryGroups(names, usages));
    }

    /** The mean-attention rows with their hover read-out and what they teach. */
    private VBox meanRowsBox() {
        meanRows.setId("mean-attention-rows");
        meanRows.setPrefHeight(220);
        headEntropy.setId("head-entropy-chart");
        meanRowsHover.getStyleClass().add("muted");
        meanRowsHover.textProperty().bind(meanRows.hoverTextProperty().map(t -> t.isEmpty() ? " " : t));
        Label caption = new Label("Each row is one layer's attention over the prompt's keys, averaged over heads and"
                + " queries and scaled to the row's maximum. PyramidKV's observation: lower layers spread attention"
                + " broadly, upper layers concentrate it on a few keys (sinks, recent tokens), so upper layers need"
                + " a smaller KV budget. The selected layer is outlined.");
        caption.getStyleClass().add("muted");
        caption.setWrapText(true);
        caption.setMinHeight(javafx.scene.layout.Region.USE_PREF_SIZE);
        VBox.setVgrow(meanRows, Priority.ALWAYS);
        return new VBox(4, caption, meanRows, meanRowsHover);
    }

    /** The entropy chart shows the selected layer's heads and the rows view outlines that layer. */
    private void linkToSelectedLayer(HeadSelection selection) {
        meanRows.selectedLayerProperty().bind(selection.layerProperty());
        selection.layerProperty().addListener((o, a, l) -> {
            if (headEntropy.dataProperty().get() != null && l.intValue() < headEntropy.dataProperty().get().layers()) {
                headEntropy.layerProperty().set(l.intValue());
            }
        });
        headEntropy.layerProperty().set(selection.layerProperty().get());
        headEntropy.orderProperty().set(HeadValuesChart.Order.ASCENDING);
    }

    /** Builds the teaching views' data in the background (the mean rows read every captured map). */
    private void buildTeaching(CaptureRun run) {
        if (run == null) {
            teaching.clear();
            showTeaching(null);
            return;
        }
        teaching.start("Mean attention by layer", (cancelled, progress) -> new Teaching(run,
                VizData.meanAttentionRows(run), VizData.headValues(run.capture().funnelling(), FunnelMetric.ENTROPY)));
    }

    private void showTeaching(Teaching t) {
        meanRows.setData(t == null ? null : t.rows());
        headEntropy.setData(t == null ? null : t.entropy());
        int n = t == null ? 0 : t.run().promptTokens().length;
        headEntropy.setReferenceLine(n > 1 ? Math.log(n) : Double.NaN, n > 1 ? FunnellingChart.uniformEntropyLabel(n) : "");
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
        pvc.kProperty().addListener((o, a, b) -> k.getValueFactory().setValue(b.intValue()));
        Spinner<Integer> window = new Spinner<>(2, 64, PvcViewModel.DEFAULT_WINDOW);
        window.setId("pvc-window");
        window.setEditable(true);
        window.setPrefWidth(70);
        window.valueProperty().addListener((o, a, b) -> pvc.windowProperty().set(b));
        pvc.windowProperty().addListener((o, a, b) -> window.getValueFactory().setValue(b.intValue()));
        javafx.scene.layout.FlowPane bar = new javafx.scene.layout.FlowPane(6, 4, definition, Labelled.of("k", k), Labelled.of("window", window));
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
                funnelling.setSeries(m, List.of());
                funnelling.setBands(m, List.of());
            }
            funnelling.setTokens(0);
            return;
        }
        FunnellingStats f = run.capture().funnelling();
        double[] entropy = new double[f.layers()];
        double[] p90 = new double[f.layers()];
        double[] sink = new double[f.layers()];
        for (int l = 0; l < f.layers(); l++) {
            entropy[l] = f.entropy(l);
            p90[l] = f.positionsFor90(l);
            sink[l] = f.sinkMass(l);
        }
        funnelling.setSeries(FunnelMetric.ENTROPY, List.of(new LayerSeries("FullKV run", entropy)));
        funnelling.setSeries(FunnelMetric.SINK_MASS, List.of(new LayerSeries("FullKV run", sink)));
        List<LayerSeries> positions = new ArrayList<>();
        positions.add(new LayerSeries("FullKV run", p90));
        for (PolicyViewModel p : vm.policies()) {
            int[] b = p.layerBudgetsProperty().get();
            if (b != null && b.length == p90.length) {
                positions.add(new LayerSeries(name(p) + " budget", java.util.Arrays.stream(b).asDoubleStream().toArray()));
            }
        }
        funnelling.setSeries(FunnelMetric.POSITIONS_FOR_90_MASS, positions);
        for (FunnelMetric m : FunnelMetric.values()) {
            funnelling.setBands(m, List.of(VizData.headSpread("FullKV run", f, m)));
        }
        funnelling.setTokens(run.promptTokens().length);
    }
}
