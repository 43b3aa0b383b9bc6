package org.kvscope.app.ui.view;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.geometry.Pos;
import javafx.scene.chart.LineChart;
import javafx.scene.chart.NumberAxis;
import javafx.scene.chart.XYChart;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.Spinner;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.scene.paint.Color;
import org.kordamp.ikonli.javafx.FontIcon;
import org.kvscope.app.ui.vm.ReplayViewModel;
import org.kvscope.app.ui.vm.ReplayViewModel.PolicyReplay;
import org.kvscope.app.ui.vm.ReplayViewModel.Replays;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.engine.MultiQuestionReplay.Mode;
import org.kvscope.prompts.SuiteDescriptor;
import org.kvscope.viz.ColorScales;
import org.kvscope.viz.VizStyle;
import org.kvscope.viz.data.CsvWritable;

/**
 * Multi-question replay of A and B: accuracy at each turn (question 1, 2, … asked on one compressed
 * cache) under FullKV (grey), query-agnostic compression (solid, the policy's colour) and
 * query-aware compression (dashed, lighter), n answers per point; a table of the counts; run and
 * cancelled from the view, with progress.
 */
public final class ReplayPane extends VBox {
    private final WorkbenchViewModel vm;
    private final ReplayViewModel model;
    private final NumberAxis turnAxis = new NumberAxis();
    private final NumberAxis accuracyAxis = new NumberAxis(0, 1, 0.2);
    private final LineChart<Number, Number> chart = new LineChart<>(turnAxis, accuracyAxis);
    private final TableView<Row> table = new TableView<>();
    private final Label status = new Label();
    /** Kept: the spinners' bidirectional bindings hold these only weakly. */
    private final ObjectProperty<Integer> questionsObject, replaysObject;

    /** One line of the table: a series and its correct answers per turn. */
    public record Row(String series, int[] correct, int n) {}

    /** One curve: legend name, accuracy per turn, and how it is drawn. */
    record Curve(String name, Mode mode, double[] accuracy, int[] correct, Color colour) {}

    public ReplayPane(WorkbenchViewModel vm) {
        super(8);
        this.vm = vm;
        this.model = new ReplayViewModel(vm);
        getStyleClass().add("page");
        ComboBox<SuiteDescriptor> suite = new ComboBox<>();
        suite.setId("replay-suite");
        suite.setCellFactory(l -> new EvaluationPane.SuiteCell());
        suite.setButtonCell(new EvaluationPane.SuiteCell());
        suite.valueProperty().bindBidirectional(model.suiteProperty());
        vm.modelProperty().addListener((o, a, b) -> suite.getItems().setAll(vm.needleSuites()));
        suite.getItems().setAll(vm.needleSuites());
        Spinner<Integer> questions = spinner("replay-questions", ReplayViewModel.MAX_QUESTIONS,
                ReplayViewModel.DEFAULT_QUESTIONS);
        questionsObject = model.questionsProperty().asObject();
        questions.getValueFactory().valueProperty().bindBidirectional(questionsObject);
        Spinner<Integer> replays = spinner("replay-replays", ReplayViewModel.MAX_REPLAYS, ReplayViewModel.DEFAULT_REPLAYS);
        replaysObject = model.replaysProperty().asObject();
        replays.getValueFactory().valueProperty().bindBidirectional(replaysObject);
        Button run = new Button("Run replay", new FontIcon("mdi2p-play"));
        run.setId("replay-run");
        run.disableProperty().bind(vm.modelProperty().isNull().or(model.suiteProperty().isNull()));
        run.setOnAction(e -> model.run());
        Button cancel = new Button("Cancel", new FontIcon("mdi2s-stop"));
        cancel.setId("replay-cancel");
        cancel.disableProperty().bind(model.task().runningProperty().not());
        cancel.setOnAction(e -> model.cancel());
        ProgressBar progress = new ProgressBar();
        progress.setId("replay-progress");
        progress.setPrefWidth(120);
        progress.progressProperty().bind(model.task().progressProperty());
        progress.visibleProperty().bind(model.task().runningProperty());
        FlowPane bar = new FlowPane(8, 4, Labelled.of("Needle suite", suite), Labelled.of("questions M", questions),
                Labelled.of("replays N", replays), run, cancel, progress);
        bar.setAlignment(Pos.CENTER_LEFT);
        Label meaning = new Label("Each replay compresses a context holding M needles once, then asks the M questions"
                + " one after another on that cache. Query-agnostic: compressed before any question; query-aware:"
                + " compressed after the first question, so later turns live with a selection made for another question.");
        meaning.getStyleClass().add("muted");
        meaning.setWrapText(true);
        status.setId("replay-status");
        status.getStyleClass().add("totals");
        status.setWrapText(true);
        chart.setId("replay-chart");
        org.kvscope.viz.VizStyle.apply(chart, "viz-view"); // titles and fonts as every other chart's
        chart.setAnimated(false);
        org.kvscope.viz.view.AxisLabels.keepInside(chart); // axis titles follow the workbench's fonts
        chart.setTitle("Accuracy per turn");
        turnAxis.setLabel("turn (question asked)");
        turnAxis.setAutoRanging(false);
        turnAxis.setLowerBound(1);
        turnAxis.setTickUnit(1);
        turnAxis.setMinorTickVisible(false);
        accuracyAxis.setLabel("share answered exactly");
        chart.setMinHeight(260);
        chart.setPrefHeight(320);
        table.setId("replay-table");
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        table.setPrefHeight(170);
        table.setPlaceholder(new Label("No replay yet"));
        VBox content = new VBox(6, bar, meaning, status, chart, table);
        VBox.setVgrow(chart, Priority.ALWAYS);
        Card card = new Card("Multi-question replay: accuracy per turn", content, this::csv);
        VBox.setVgrow(card, Priority.ALWAYS);
        getChildren().add(card);
        model.task().resultProperty().addListener((o, a, b) -> show());
        model.task().messageProperty().addListener((o, a, b) -> describe());
        model.task().runningProperty().addListener((o, a, b) -> describe());
        model.cancelledProperty().addListener((o, a, b) -> describe());
        show();
    }

    public ReplayViewModel model() { return model; }

    public LineChart<Number, Number> chart() { return chart; }

    public TableView<Row> table() { return table; }

    public String status() { return status.getText(); }

    private static Spinner<Integer> spinner(String id, int max, int initial) {
        Spinner<Integer> s = new Spinner<>(1, max, initial);
        s.setId(id);
        s.setEditable(true);
        s.setPrefWidth(80);
        return s;
    }

    private CsvWritable csv() {
        Replays r = model.result();
        return r == null ? null : () -> ReplayViewModel.csv(r);
    }

    /** FullKV once (it does not depend on the policy), then each policy's query-agnostic and query-aware curves. */
    static List<Curve> curves(Replays r) {
        List<Curve> out = new ArrayList<>();
        if (r.policies().isEmpty()) {
            return out;
        }
        var full = r.policies().getFirst().result();
        out.add(new Curve("FullKV", Mode.FULL_KV, full.accuracyByTurn(Mode.FULL_KV),
                ReplayViewModel.correctByTurn(full, Mode.FULL_KV), VizStyle.BASELINE));
        for (PolicyReplay p : r.policies()) {
            Color c = VizStyle.seriesColor(p.label(), 0);
            for (Mode m : List.of(Mode.QUERY_AGNOSTIC, Mode.QUERY_AWARE)) {
                out.add(new Curve(p.name() + " " + m.id(), m, p.result().accuracyByTurn(m),
                        ReplayViewModel.correctByTurn(p.result(), m), m == Mode.QUERY_AWARE ? c.interpolate(Color.WHITE, 0.35) : c));
            }
        }
        return out;
    }

    private void show() {
        Replays r = model.result();
        chart.setVisible(r != null);
        if (r == null) {
            chart.getData().clear();
            table.getItems().clear();
            table.getColumns().clear();
            describe();
            return;
        }
        List<Curve> curves = curves(r);
        List<XYChart.Series<Number, Number>> series = new ArrayList<>();
        StringBuilder colours = new StringBuilder();
        for (int i = 0; i < curves.size(); i++) {
            Curve c = curves.get(i);
            var points = FXCollections.<XYChart.Data<Number, Number>>observableArrayList();
            for (int t = 0; t < c.accuracy().length; t++) {
                points.add(new XYChart.Data<>(t + 1, c.accuracy()[t]));
            }
            series.add(new XYChart.Series<>(c.name(), points));
            String css = ColorScales.css(c.colour());
            colours.append("CHART_COLOR_").append(i + 1).append(": ").append(css).append("; ");
        }
        chart.setStyle(colours.toString());
        chart.setTitle("Accuracy per turn, n = " + r.perTurn() + " answers per point (" + r.suite() + ")");
        chart.setData(FXCollections.observableArrayList(series));
        turnAxis.setUpperBound(Math.max(2, r.questions()));
        for (int i = 0; i < series.size(); i++) {
            Curve c = curves.get(i);
            if (c.mode() == Mode.QUERY_AWARE && series.get(i).getNode() != null) {
                series.get(i).getNode().setStyle("-fx-stroke-dash-array: 8 5;");
            }
            for (int t = 0; t < series.get(i).getData().size(); t++) {
                var node = series.get(i).getData().get(t).getNode();
                if (node != null) {
                    Tooltip.install(node, new Tooltip(String.format(Locale.ROOT, "%s, turn %d: %d of %d answered exactly"
                            + " (%.3f)", c.name(), t + 1, c.correct()[t], r.perTurn(), c.accuracy()[t])));
                }
            }
        }
        fillTable(r, curves);
        describe();
    }

    private void fillTable(Replays r, List<Curve> curves) {
        List<TableColumn<Row, String>> columns = new ArrayList<>();
        columns.add(column("series", Row::series));
        for (int t = 0; t < r.questions(); t++) {
            int turn = t;
            columns.add(column("turn " + (t + 1), row -> row.correct()[turn] + " / " + row.n()));
        }
        table.getColumns().setAll(columns);
        table.setItems(FXCollections.observableArrayList(curves.stream()
                .map(c -> new Row(c.name(), c.correct(), r.perTurn())).toList()));
    }

    private static TableColumn<Row, String> column(String title, java.util.function.Function<Row, String> value) {
        TableColumn<Row, String> c = new TableColumn<>(title);
        c.setCellValueFactory(d -> new ReadOnlyStringWrapper(value.apply(d.getValue())));
        c.setSortable(false);
        return c;
    }

    private void describe() {
        Replays r = model.result();
        String message = model.task().messageProperty().get();
        String shown = r == null ? "" : String.format(Locale.ROOT, "%s, %d questions × %d replays (n = %d answers per"
                + " point)", r.suite(), r.questions(), r.replays(), r.perTurn());
        if (!message.isEmpty() || model.cancelledProperty().get()) {
            String what = message.isEmpty() ? "Replay cancelled." : message;
            status.setText(what + (r == null ? "" : "  Shown: the last finished run, " + shown + "."));
        } else if (r == null) {
            status.setText("Choose M and N, then Run replay: A's and B's policies are replayed on the needle suite"
                    + " (FullKV, query-agnostic and query-aware), in the background.");
        } else {
            StringBuilder sb = new StringBuilder(shown).append(": overall FullKV ").append(ScoreAgreementPane.format(
                    r.policies().getFirst().result().accuracy(Mode.FULL_KV)));
            for (PolicyReplay p : r.policies()) {
                sb.append(";  ").append(p.name()).append(" query-agnostic ")
                        .append(ScoreAgreementPane.format(p.result().accuracy(Mode.QUERY_AGNOSTIC)))
                        .append(", query-aware ").append(ScoreAgreementPane.format(p.result().accuracy(Mode.QUERY_AWARE)));
            }
            status.setText(sb.toString());
        }
    }
}
