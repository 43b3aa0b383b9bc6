package org.kvscope.app.ui.view;

import java.util.List;
import java.util.Locale;
import javafx.beans.binding.Bindings;
import javafx.beans.property.ObjectProperty;
import javafx.geometry.Pos;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressIndicator;
import javafx.scene.control.Spinner;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import org.kvscope.app.ui.vm.ScoreAgreementViewModel;
import org.kvscope.app.ui.vm.ScoreAgreementViewModel.Agreement;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.metrics.ScoreAgreement;
import org.kvscope.viz.ColorScales;
import org.kvscope.viz.VizStyle;
import org.kvscope.viz.data.CsvWritable;
import org.kvscope.viz.data.HeadValues;
import org.kvscope.viz.data.LayerSeries;
import org.kvscope.viz.data.LayerSeriesSet;
import org.kvscope.viz.view.HeadValuesChart;
import org.kvscope.viz.view.LayerMetricChart;

/**
 * Where policies A and B agree on the captured prompt: per layer, the Spearman rank correlation of
 * their importance scores and the overlap of their top-k positions (means over kv-heads), with k
 * adjustable, the means stated, and per kv-head on demand; exported as {@code score-agreement}'s CSV.
 */
public final class ScoreAgreementPane extends VBox {
    /** What the numbers mean, in one line. */
    static final String MEANING = "Spearman ρ: 1 = same ranking of the prompt positions, 0 = unrelated, −1 = reversed;"
            + " top-k overlap: share of the k highest-scored positions both keep (1 = the same set).";
    private final ScoreAgreementViewModel model;
    private final LayerMetricChart chart = new LayerMetricChart("", LayerMetricChart.Style.LINE);
    private final HeadValuesChart perHead = new HeadValuesChart();
    private final ComboBox<String> headMetric = new ComboBox<>();
    private final CheckBox showPerHead = new CheckBox("per kv-head");
    private final Label pairA = new Label();
    private final Label pairB = new Label();
    private final Label summary = new Label();
    /** Kept: the spinner's bidirectional binding to k holds it only weakly. */
    private final ObjectProperty<Integer> kObject;

    public ScoreAgreementPane(WorkbenchViewModel vm) {
        super(8);
        this.model = new ScoreAgreementViewModel(vm);
        getStyleClass().add("page");
        Label meaning = new Label(MEANING);
        meaning.getStyleClass().add("muted");
        meaning.setWrapText(true);
        Spinner<Integer> k = new Spinner<>(1, ScoreAgreementViewModel.MAX_K, ScoreAgreementViewModel.DEFAULT_K);
        k.setId("agreement-k");
        k.setEditable(true);
        k.setPrefWidth(90);
        kObject = model.kProperty().asObject();
        k.getValueFactory().valueProperty().bindBidirectional(kObject);
        showPerHead.setId("agreement-per-head");
        headMetric.getItems().setAll("Spearman ρ", "top-k overlap");
        headMetric.setValue("Spearman ρ");
        headMetric.visibleProperty().bind(showPerHead.selectedProperty());
        ProgressIndicator busy = new ProgressIndicator();
        busy.setPrefSize(18, 18);
        busy.visibleProperty().bind(model.task().runningProperty());
        pairA.setId("agreement-a");
        pairB.setId("agreement-b");
        FlowPane bar = new FlowPane(8, 4, pairA, new Label("vs"), pairB, Labelled.of("   top-k, k =", k), showPerHead,
                headMetric, busy);
        bar.setAlignment(Pos.CENTER_LEFT);
        summary.setId("agreement-summary");
        summary.getStyleClass().add("totals");
        summary.setWrapText(true);
        chart.setId("agreement-chart");
        chart.setYRange(-1, 1);
        chart.setPrefHeight(300);
        chart.setMinHeight(240); // below this the page scrolls instead of squeezing the chart
        perHead.setId("agreement-per-head-chart");
        perHead.setPrefHeight(260);
        perHead.setMinHeight(220);
        perHead.visibleProperty().bind(showPerHead.selectedProperty());
        perHead.managedProperty().bind(showPerHead.selectedProperty());
        VBox content = new VBox(6, bar, meaning, summary, chart, perHead);
        VBox.setVgrow(chart, Priority.ALWAYS);
        Card card = new Card("Score agreement of A and B per layer (mean over kv-heads)", content, this::csv);
        VBox.setVgrow(card, Priority.ALWAYS);
        getChildren().add(card);
        model.task().resultProperty().addListener((o, a, b) -> show());
        model.task().messageProperty().addListener((o, a, b) -> describe());
        model.problemProperty().addListener((o, a, b) -> describe());
        showPerHead.selectedProperty().addListener((o, a, b) -> showHeads());
        headMetric.valueProperty().addListener((o, a, b) -> showHeads());
        pairA.textProperty().bind(Bindings.concat("A: ", vm.policyA().policyNameProperty()));
        pairB.textProperty().bind(Bindings.concat("B: ", vm.policyB().policyNameProperty()));
        pairA.setStyle(policyStyle("A"));
        pairB.setStyle(policyStyle("B"));
        show();
    }

    public ScoreAgreementViewModel model() { return model; }

    public LayerMetricChart chart() { return chart; }

    public HeadValuesChart perHeadChart() { return perHead; }

    /** Shows the per-kv-head chart. */
    public CheckBox perHeadToggle() { return showPerHead; }

    public String summary() { return summary.getText(); }

    private CsvWritable csv() {
        Agreement r = model.result();
        return r == null ? null : () -> ScoreAgreementViewModel.csv(r.scores());
    }

    private void show() {
        Agreement r = model.result();
        chart.setData(r == null ? null : series(r));
        chart.setVisible(r != null);
        if (r != null) {
            chart.chart().setTitle(r.a() + " vs " + r.b() + ", " + r.scores().positions() + " positions compared (from "
                    + r.scores().first() + ")");
        }
        showHeads();
        describe();
    }

    /** Two curves over layers: Spearman ρ and top-k overlap, each named with its mean. */
    static LayerSeriesSet series(Agreement r) {
        ScoreAgreement s = r.scores();
        double[] rho = new double[s.layers()], overlap = new double[s.layers()];
        for (int l = 0; l < s.layers(); l++) {
            rho[l] = s.spearman(l);
            overlap[l] = s.topKOverlap(l);
        }
        return new LayerSeriesSet("agreement (1 = same)", List.of(
                new LayerSeries("Spearman ρ (mean " + format(s.meanSpearman()) + ")", rho),
                new LayerSeries("top-" + s.topK() + " overlap (mean " + format(s.meanTopKOverlap()) + ")", overlap)));
    }

    private void showHeads() {
        Agreement r = model.result();
        if (r == null || !showPerHead.isSelected()) {
            perHead.setData(null);
            return;
        }
        boolean rho = headMetric.getValue().startsWith("Spearman");
        perHead.setData(new HeadValues(rho ? "Spearman ρ per kv-head" : "top-" + r.scores().topK() + " overlap per kv-head",
                rho ? r.scores().spearman() : r.scores().topKOverlap()));
    }

    private void describe() {
        Agreement r = model.result();
        String problem = model.problemProperty().get();
        String message = model.task().messageProperty().get();
        if (!problem.isEmpty()) {
            summary.setText(problem);
        } else if (!message.isEmpty()) {
            summary.setText(message);
        } else if (r == null) {
            summary.setText("Run a prompt: the scores of policies A and B on it are compared here.");
        } else {
            ScoreAgreement s = r.scores();
            summary.setText(String.format(Locale.ROOT, "%s vs %s: mean Spearman ρ %s, mean top-%d overlap %s over %d"
                    + " layers (%d prompt positions both choose among)", r.a(), r.b(), format(s.meanSpearman()),
                    s.topK(), format(s.meanTopKOverlap()), s.layers(), s.positions()));
        }
    }

    static String format(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.3f", v);
    }

    /** A label in a policy's colour (A blue, B orange), as in every other view. */
    static String policyStyle(String label) {
        return "-fx-font-weight: bold; -fx-text-fill: " + ColorScales.css(VizStyle.seriesColor(label, 0)) + ";";
    }
}
