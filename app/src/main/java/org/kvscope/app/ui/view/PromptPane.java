package org.kvscope.app.ui.view;

import java.util.List;
import java.util.Map;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextFormatter;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import org.kvscope.app.ui.Workbench;
import org.kvscope.app.ui.vm.TokenPiece;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.viz.data.TokenStrip;
import org.kvscope.viz.view.TokenStripView;

/**
 * The prompt editor with a sample-prompt picker, the token strip (boundaries and ids), and generated
 * tokens coloured by their negative log-likelihood (Run, Generate and Stop are in the toolbar:
 * {@link RunControls}). An edit that would make the prompt longer than the workbench tokenises is refused.
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
        editor.setTextFormatter(new TextFormatter<String>(this::refuseOverlong));
        editor.textProperty().bindBidirectional(vm.promptProperty());
        Label count = new Label();
        count.getStyleClass().add("muted");
        count.textProperty().bind(vm.promptPiecesProperty().map(p -> p.size() + " tokens"
                + (vm.model() == null ? "" : " of " + vm.model().config().contextLength())));
        strip.setId("prompt-tokens");
        strip.setPrefHeight(110);
        vm.promptPiecesProperty().addListener((o, a, b) -> showTokens(b));
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
        VBox.setVgrow(editor, Priority.SOMETIMES);
        getChildren().addAll(samples, editor, count, strip, legend, output);
    }

    /**
     * Refuses an edit (typing, a paste, a drop) that would make the prompt longer than
     * {@link WorkbenchViewModel#MAX_PROMPT_CHARS}, saying so in the status bar; shortening edits always pass.
     */
    private TextFormatter.Change refuseOverlong(TextFormatter.Change change) {
        int before = change.getControlText().length();
        int after = before - (change.getRangeEnd() - change.getRangeStart()) + change.getText().length();
        if (after > WorkbenchViewModel.MAX_PROMPT_CHARS && after > before) {
            vm.statusProperty().set("Not inserted: the prompt would have " + after + " characters; at most "
                    + WorkbenchViewModel.MAX_PROMPT_CHARS + " are allowed.");
            return null;
        }
        return change;
    }

    private void showTokens(List<TokenPiece> pieces) {
        strip.setStrip(new TokenStrip(pieces.stream().map(TokenPiece::text).toList(),
                pieces.stream().mapToInt(TokenPiece::id).toArray(), null));
    }
}
