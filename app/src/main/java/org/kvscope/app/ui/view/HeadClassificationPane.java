package org.kvscope.app.ui.view;

import java.util.Locale;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressIndicator;
import javafx.scene.control.Slider;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.VBox;
import org.kvscope.app.ui.vm.LatestTask;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.backend.Backends;
import org.kvscope.engine.RetrievalHeads;
import org.kvscope.kv.DuoAttentionPolicy;
import org.kvscope.viz.data.CsvWritable;
import org.kvscope.viz.data.HeadValues;
import org.kvscope.viz.view.HeadValuesChart;

/**
 * The DuoAttention-style head classification of the loaded model: a layer × kv-head grid, each
 * cell a head's retrieval score (attention mass the answer puts on the needle in four pass-key
 * probes), bluish green for retrieval heads (full cache; not blue or orange, which mean policy A and B),
 * grey for streaming heads (sinks + recent window), deeper for a higher score; in a card that exports it as PNG and CSV.
 * Below it the same scores as bars, highest first, with the share's cut-off as a line: where the scores fall off
 * shows which share the model supports. The scores are measured in a background task on request; the share of
 * retrieval heads re-classifies at once.
 */
public final class HeadClassificationPane extends VBox {
    /** Retrieval heads' colour (Okabe–Ito bluish green), as "r, g, b". */
    static final String RETRIEVAL_RGB = "0, 158, 115";
    private static final String STREAMING_RGB = "127, 127, 127";
    private final WorkbenchViewModel vm;
    private final LatestTask<RetrievalHeads> task = new LatestTask<>();
    private final Slider ratio = new Slider(0, 1, 0.5);
    private final GridPane grid = new GridPane();
    private final Label summary = new Label();
    private final HeadValuesChart ranked = new HeadValuesChart();
    /** The scores the ranked chart shows (it is refilled only when they change, not on every slider move). */
    private RetrievalHeads rankedFrom;

    public HeadClassificationPane(WorkbenchViewModel vm) {
        super(8);
        this.vm = vm;
        getStyleClass().add("page");
        Button classify = new Button("Classify heads");
        classify.setId("classify-heads");
        classify.disableProperty().bind(vm.modelProperty().isNull().or(task.runningProperty()));
        classify.setOnAction(e -> start());
        ratio.setId("retrieval-ratio");
        ratio.setMajorTickUnit(0.25);
        ratio.setShowTickLabels(true);
        ratio.setPrefWidth(180);
        Label ratioText = new Label();
        ratioText.textProperty().bind(ratio.valueProperty().map(v -> String.format(Locale.ROOT, "%.0f%%",
                100 * v.doubleValue())));
        ProgressIndicator busy = new ProgressIndicator();
        busy.setPrefSize(18, 18);
        busy.visibleProperty().bind(task.runningProperty());
        busy.progressProperty().bind(task.progressProperty());
        FlowPane bar = new FlowPane(8, 4, classify, Labelled.of("retrieval heads (share)", ratio), ratioText, busy);
        bar.setAlignment(Pos.CENTER_LEFT);
        summary.setId("heads-summary");
        summary.setWrapText(true);
        grid.setId("heads-grid");
        grid.setHgap(2);
        grid.setVgap(2);
        Label error = new Label();
        error.textProperty().bind(task.messageProperty());
        VBox content = new VBox(8, bar, summary, error, grid);
        getChildren().add(new Card("Retrieval and streaming heads (DuoAttention): retrieval score per layer and kv-head",
                content, this::csv));
        ranked.setId("heads-ranked");
        ranked.orderProperty().set(HeadValuesChart.Order.DESCENDING);
        ranked.setMutedBelowReference(true); // streaming heads grey, as in the grid
        ranked.setMinHeight(240);
        ranked.setPrefHeight(320);
        getChildren().add(new Card("Retrieval scores ranked, with the share's cut-off (L layer, H kv-head)", ranked,
                () -> ranked.dataProperty().get()));
        task.resultProperty().addListener((o, a, b) -> redraw());
        ratio.valueProperty().addListener((o, a, b) -> redraw());
        vm.modelProperty().addListener((o, a, b) -> task.clear());
        redraw();
    }

    /** Measures (or recalls) the loaded model's retrieval scores off the FX thread. */
    public void start() {
        var model = vm.model();
        if (model != null) {
            task.start("measuring retrieval heads", (cancelled, progress) ->
                    RetrievalHeads.of(Backends.cpu(), model, progress, cancelled));
        }
    }

    /** Whether the loaded model's heads are classified (the grid shows them). */
    public boolean classified() { return task.result() != null && !task.runningProperty().get(); }

    public Slider ratio() { return ratio; }

    public GridPane grid() { return grid; }

    public String summary() { return summary.getText(); }

    private void redraw() {
        grid.getChildren().clear();
        RetrievalHeads heads = task.result();
        if (heads == null) {
            showRanked(null, null, null);
            summary.setText("Which heads retrieve? Classify heads measures, per layer and kv-head, the attention the answer"
                    + " of four pass-key probes pays the needle; duo-attention keeps the full cache in the top share.");
            return;
        }
        float[][] s = heads.perKvHead();
        boolean[][] retrieval = DuoAttentionPolicy.classify(s, ratio.getValue());
        showRanked(heads, s, retrieval);
        float max = 1e-6f;
        for (float[] row : s) {
            for (float v : row) {
                max = Math.max(max, v);
            }
        }
        int count = 0;
        grid.add(new Label("layer"), 0, 0);
        for (int h = 0; h < s[0].length; h++) {
            grid.add(new Label("kv " + h), h + 1, 0);
        }
        for (int l = 0; l < s.length; l++) {
            grid.add(new Label(Integer.toString(l)), 0, l + 1);
            for (int h = 0; h < s[l].length; h++) {
                count += retrieval[l][h] ? 1 : 0;
                grid.add(cell(l, h, s[l][h], s[l][h] / max, retrieval[l][h]), h + 1, l + 1);
            }
        }
        summary.setText(String.format(Locale.ROOT, "%d of %d heads are retrieval heads (green: full cache); the others"
                + " stream (grey: sinks + recent window). Score: attention mass on the needle, highest %.3f.",
                count, s.length * s[0].length, max));
    }

    /** The scores as bars, highest first, and a line at the lowest retrieval head's score (the share's cut-off). */
    private void showRanked(RetrievalHeads heads, float[][] s, boolean[][] retrieval) {
        if (heads != rankedFrom) {
            rankedFrom = heads;
            ranked.setData(heads == null ? null : new HeadValues("retrieval score", toDoubles(s)));
        }
        if (heads == null) {
            ranked.setReferenceLine(Double.NaN, "");
            return;
        }
        double cutOff = Double.NaN;
        for (int l = 0; l < s.length; l++) {
            for (int h = 0; h < s[l].length; h++) {
                if (retrieval[l][h] && (Double.isNaN(cutOff) || s[l][h] < cutOff)) {
                    cutOff = s[l][h];
                }
            }
        }
        ranked.setReferenceLine(cutOff, String.format(Locale.ROOT, "cut-off at %.0f%%: %.3f", 100 * ratio.getValue(),
                cutOff));
    }

    private static double[][] toDoubles(float[][] s) {
        double[][] out = new double[s.length][];
        for (int l = 0; l < s.length; l++) {
            out[l] = new double[s[l].length];
            for (int h = 0; h < s[l].length; h++) {
                out[l][h] = s[l][h];
            }
        }
        return out;
    }

    /** The ranked chart of the scores (empty before classifying). */
    HeadValuesChart ranked() { return ranked; }

    /** One row per layer and kv-head: its score and class at the current share (null before classifying). */
    CsvWritable csv() {
        RetrievalHeads heads = task.result();
        if (heads == null) {
            return null;
        }
        float[][] s = heads.perKvHead();
        boolean[][] retrieval = DuoAttentionPolicy.classify(s, ratio.getValue());
        StringBuilder out = new StringBuilder("layer,kvHead,retrievalScore,class\n");
        for (int l = 0; l < s.length; l++) {
            for (int h = 0; h < s[l].length; h++) {
                out.append(String.format(Locale.ROOT, "%d,%d,%.6f,%s\n", l, h, s[l][h],
                        retrieval[l][h] ? "retrieval" : "streaming"));
            }
        }
        String text = out.toString();
        return () -> text;
    }

    private static Label cell(int layer, int head, float score, float shade, boolean retrieval) {
        Label c = new Label(String.format(Locale.ROOT, "%.3f", score));
        c.setMinWidth(56);
        c.setAlignment(Pos.CENTER);
        double alpha = 0.25 + 0.75 * shade;
        c.setStyle(String.format(Locale.ROOT, "-fx-background-color: rgba(%s, %.2f); -fx-padding: 2 4;",
                retrieval ? RETRIEVAL_RGB : STREAMING_RGB, alpha));
        c.getStyleClass().add(retrieval ? "head-retrieval" : "head-streaming");
        c.setTooltip(new Tooltip(String.format(Locale.ROOT, "layer %d, kv-head %d: retrieval score %.4f — %s", layer,
                head, score, retrieval ? "retrieval head (keeps the full cache)" : "streaming head (sinks + recent window)")));
        return c;
    }
}
