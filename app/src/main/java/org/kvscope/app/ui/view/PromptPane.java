package org.kvscope.app.ui.view;

import java.util.List;
import java.util.Map;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.Spinner;
import javafx.scene.control.TextArea;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import org.kordamp.ikonli.javafx.FontIcon;
import org.kvscope.app.ui.Workbench;
import org.kvscope.app.ui.vm.TokenPiece;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.viz.data.TokenStrip;
import org.kvscope.viz.view.TokenStripView;

/**
 * The prompt editor with a sample-prompt picker, the token strip (boundaries and ids), the run
 * controls, and generated tokens coloured by their negative log-likelihood.
 */
public final class PromptPane extends VBox {
    private final WorkbenchViewModel vm;
    private final TokenStripView strip = new TokenStripView();
    private final TokenStripView output = new TokenStripView();

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
        strip.setId("prompt-tokens");
        strip.setPrefHeight(110);
        vm.promptPiecesProperty().addListener((o, a, b) -> showTokens(b));
        Button run = new Button("_Run", new FontIcon("mdi2p-play"));
        run.setId("run-prompt");
        run.setDefaultButton(false);
        run.disableProperty().bind(vm.modelProperty().isNull().or(vm.runningProperty()).or(vm.loadingProperty()));
        run.setTooltip(new Tooltip("Prefill the prompt with FullKV and capture its attention"));
        run.setOnAction(e -> vm.runPrompt());
        Spinner<Integer> n = new Spinner<>(1, 4096, 48);
        n.setEditable(true);
        n.setPrefWidth(90);
        Button generate = new Button("_Generate", new FontIcon("mdi2t-text-box-plus-outline"));
        generate.setId("generate");
        generate.setTooltip(new Tooltip("Generate N tokens with policy A active"));
        generate.disableProperty().bind(vm.modelProperty().isNull().or(vm.generatingProperty()));
        generate.setOnAction(e -> vm.generate(n.getValue()));
        Button stop = new Button("S_top", new FontIcon("mdi2s-stop"));
        stop.disableProperty().bind(vm.generatingProperty().not());
        stop.setOnAction(e -> vm.stop());
        output.setId("generated-tokens");
        output.setPrefHeight(110);
        output.followTailProperty().set(true);
        vm.generated().addListener((ListChangeListener<Workbench.StreamedToken>) c -> {
            while (c.next()) {
                if (c.wasRemoved() && vm.generated().isEmpty()) {
                    output.setStrip(null);
                }
                for (Workbench.StreamedToken t : c.getAddedSubList()) {
                    output.append(t.text(), t.token(), t.nll());
                }
            }
        });
        Label legend = new Label("Generated tokens (policy A active), tinted by negative log-likelihood");
        legend.getStyleClass().add("muted");
        legend.setWrapText(true);
        FlowPane buttons = new FlowPane(6, 6, run, new Label("  N"), n, generate, stop);
        VBox.setVgrow(editor, Priority.SOMETIMES);
        getChildren().addAll(samples, editor, count, strip, buttons, legend, output);
    }

    private void showTokens(List<TokenPiece> pieces) {
        strip.setStrip(new TokenStrip(pieces.stream().map(TokenPiece::text).toList(),
                pieces.stream().mapToInt(TokenPiece::id).toArray(), null));
    }
}
