package org.kvscope.app.ui.view;

import java.util.List;
import java.util.Map;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Spinner;
import javafx.scene.control.TextArea;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.scene.paint.Color;
import javafx.scene.text.Text;
import javafx.scene.text.TextFlow;
import org.kordamp.ikonli.javafx.FontIcon;
import org.kvscope.app.ui.Workbench;
import org.kvscope.app.ui.vm.TokenPiece;
import org.kvscope.app.ui.vm.WorkbenchViewModel;

/**
 * The prompt editor with a sample-prompt picker, the token strip (boundaries and ids), the run
 * controls, and generated tokens coloured by their negative log-likelihood.
 */
public final class PromptPane extends VBox {
    private static final int STRIP_LIMIT = 600;
    private final WorkbenchViewModel vm;
    private final FlowPane strip = new FlowPane(2, 2);
    private final TextFlow output = new TextFlow();

    public PromptPane(WorkbenchViewModel vm) {
        super(8);
        this.vm = vm;
        setPadding(new Insets(8));
        getStyleClass().add("prompt-pane");
        ComboBox<Map.Entry<String, String>> samples = new ComboBox<>();
        samples.setPromptText("Sample prompts…");
        samples.getItems().setAll(vm.samplePrompts());
        samples.setConverter(new javafx.util.StringConverter<>() {
            @Override public String toString(Map.Entry<String, String> e) { return e == null ? "" : e.getKey(); }
            @Override public Map.Entry<String, String> fromString(String s) { return null; }
        });
        samples.setMaxWidth(Double.MAX_VALUE);
        samples.setOnAction(e -> {
            if (samples.getValue() != null) {
                vm.promptProperty().set(samples.getValue().getValue());
            }
        });
        TextArea editor = new TextArea();
        editor.setId("prompt-editor");
        editor.setWrapText(true);
        editor.setPrefRowCount(6);
        editor.textProperty().bindBidirectional(vm.promptProperty());
        Label count = new Label();
        count.getStyleClass().add("muted");
        count.textProperty().bind(vm.promptPiecesProperty().map(p -> p.size() + " tokens"
                + (vm.model() == null ? "" : " of " + vm.model().config().contextLength())));
        strip.getStyleClass().add("token-strip");
        ScrollPane stripScroll = new ScrollPane(strip);
        stripScroll.setFitToWidth(true);
        stripScroll.setPrefHeight(90);
        vm.promptPiecesProperty().addListener((o, a, b) -> showTokens(b));
        Button run = new Button("Run", new FontIcon("mdi2p-play"));
        run.setId("run-prompt");
        run.setDefaultButton(false);
        run.disableProperty().bind(vm.modelProperty().isNull().or(vm.runningProperty()).or(vm.loadingProperty()));
        run.setTooltip(new Tooltip("Prefill the prompt with FullKV and capture its attention"));
        run.setOnAction(e -> vm.runPrompt());
        Spinner<Integer> n = new Spinner<>(1, 4096, 48);
        n.setEditable(true);
        n.setPrefWidth(90);
        Button generate = new Button("Generate", new FontIcon("mdi2t-text-box-plus-outline"));
        generate.setId("generate");
        generate.setTooltip(new Tooltip("Generate N tokens with policy A active"));
        generate.disableProperty().bind(vm.modelProperty().isNull().or(vm.generatingProperty()));
        generate.setOnAction(e -> vm.generate(n.getValue()));
        Button stop = new Button("Stop", new FontIcon("mdi2s-stop"));
        stop.disableProperty().bind(vm.generatingProperty().not());
        stop.setOnAction(e -> vm.stop());
        output.getStyleClass().add("generated");
        output.setId("generated-text");
        vm.generated().addListener((ListChangeListener<Workbench.StreamedToken>) c -> {
            while (c.next()) {
                if (c.wasRemoved() && vm.generated().isEmpty()) {
                    output.getChildren().clear();
                }
                for (Workbench.StreamedToken t : c.getAddedSubList()) {
                    Text tx = new Text(t.text());
                    tx.setFill(nllColor(t.nll()));
                    Tooltip.install(tx, new Tooltip(String.format("token %d, NLL %.2f nats", t.token(), t.nll())));
                    output.getChildren().add(tx);
                }
            }
        });
        ScrollPane outScroll = new ScrollPane(output);
        outScroll.setFitToWidth(true);
        outScroll.setPrefHeight(90);
        Label legend = new Label("generated text: green = confident (low NLL), red = surprising");
        legend.getStyleClass().add("muted");
        HBox buttons = new HBox(6, run, new Label("  N"), n, generate, stop);
        VBox.setVgrow(editor, Priority.SOMETIMES);
        getChildren().addAll(samples, editor, count, stripScroll, buttons, legend, outScroll);
    }

    /** Green (NLL 0) to red (NLL ≥ 6 nats). */
    static Color nllColor(double nll) {
        double t = Math.max(0, Math.min(1, nll / 6));
        return Color.web("#3fb27f").interpolate(Color.web("#e5534b"), t);
    }

    private void showTokens(List<TokenPiece> pieces) {
        strip.getChildren().clear();
        int shown = Math.min(pieces.size(), STRIP_LIMIT);
        for (int i = 0; i < shown; i++) {
            TokenPiece p = pieces.get(i);
            Label l = new Label(p.text());
            l.getStyleClass().add("token");
            l.setTooltip(new Tooltip("position " + i + ", id " + p.id()));
            strip.getChildren().add(l);
        }
        if (pieces.size() > shown) {
            strip.getChildren().add(new Label("… " + (pieces.size() - shown) + " more"));
        }
    }
}
