package org.kvscope.app.ui.view;

import java.util.List;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.Spinner;
import javafx.scene.control.Tooltip;
import org.kordamp.ikonli.javafx.FontIcon;
import org.kvscope.app.ui.vm.WorkbenchViewModel;

/**
 * Run, the number of tokens to generate, Generate and Stop. They live in the window's toolbar, so
 * they are in sight at every window size and whichever side panel is shown.
 */
final class RunControls {
    private final Button run = new Button("_Run", new FontIcon("mdi2p-play"));
    private final Spinner<Integer> count = new Spinner<>(1, 4096, 48);
    private final Button generate = new Button("_Generate", new FontIcon("mdi2t-text-box-plus-outline"));
    private final Button stop = new Button("S_top", new FontIcon("mdi2s-stop"));

    RunControls(WorkbenchViewModel vm) {
        run.setId("run-prompt");
        run.disableProperty().bind(vm.modelProperty().isNull().or(vm.runningProperty()).or(vm.loadingProperty()));
        run.setTooltip(new Tooltip("Prefill the prompt with FullKV and capture its attention (Ctrl+Enter)"));
        run.setOnAction(e -> vm.runPrompt());
        count.setId("generate-count");
        count.setEditable(true);
        count.setPrefWidth(84);
        count.setTooltip(new Tooltip("Tokens to generate"));
        count.setAccessibleText("Tokens to generate");
        generate.setId("generate");
        generate.setTooltip(new Tooltip("Generate N tokens with policy A active (Ctrl+G)"));
        generate.disableProperty().bind(vm.modelProperty().isNull().or(vm.generatingProperty()));
        generate.setOnAction(e -> vm.generate(count.getValue()));
        stop.setId("stop");
        stop.setTooltip(new Tooltip("Cancel the load, Run or generation in progress (Esc)"));
        stop.disableProperty().bind(vm.task().runningProperty().not());
        stop.setOnAction(e -> vm.task().cancel());
    }

    /** The controls in toolbar order. */
    List<Node> nodes() {
        return List.of(run, new Label("N"), count, generate, stop);
    }

    /** Run, Generate and Stop: the buttons the toolbar may show by their icons alone. */
    List<Node> buttons() {
        return List.of(run, generate, stop);
    }

    /** Fires Run when it is enabled (the Ctrl+Enter shortcut). */
    void run() { fireIfEnabled(run); }

    /** Fires Generate when it is enabled (the Ctrl+G shortcut). */
    void generate() { fireIfEnabled(generate); }

    private static void fireIfEnabled(Button b) {
        if (!b.isDisabled()) {
            b.fire();
        }
    }
}
