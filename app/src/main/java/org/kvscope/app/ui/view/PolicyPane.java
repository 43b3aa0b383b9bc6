package org.kvscope.app.ui.view;

import java.util.function.IntSupplier;
import javafx.geometry.Insets;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import org.controlsfx.control.NotificationPane;
import org.kordamp.ikonli.javafx.FontIcon;
import org.kvscope.app.ui.vm.PolicyViewModel;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.viz.data.BudgetSchedule;
import org.kvscope.viz.view.BudgetScheduleChart;

/**
 * One policy's settings: the policy picker, controls generated from its parameters, the live
 * per-layer budget schedule, and the state of its background re-run.
 */
public final class PolicyPane extends VBox {
    private final PolicyViewModel vm;
    private final ParameterControls controls;
    private final BudgetScheduleChart schedule = new BudgetScheduleChart();
    private final NotificationPane notice;
    private final ComboBox<PolicyRegistry.Entry> picker = new ComboBox<>();

    public PolicyPane(PolicyViewModel vm, IntSupplier contextLength) {
        super(8);
        this.vm = vm;
        getStyleClass().add("policy-pane");
        setPadding(new Insets(8));
        picker.setId("policy-picker-" + vm.label());
        picker.getItems().setAll(PolicyRegistry.entries());
        picker.setCellFactory(l -> new EntryCell());
        picker.setButtonCell(new EntryCell());
        picker.setMaxWidth(Double.MAX_VALUE);
        picker.getSelectionModel().select(PolicyRegistry.entry(vm.policyName()));
        picker.valueProperty().addListener((o, a, b) -> {
            if (b != null && !b.name().equals(vm.policyName())) {
                vm.select(b.name());
            }
        });
        vm.policyNameProperty().addListener((o, a, b) -> picker.getSelectionModel().select(PolicyRegistry.entry(b)));
        Label description = new Label();
        description.getStyleClass().add("muted");
        description.setWrapText(true);
        description.textProperty().bind(picker.valueProperty().map(PolicyRegistry.Entry::description));
        controls = new ParameterControls(vm, contextLength);
        notice = new NotificationPane(controls);
        notice.setId("parameter-notice-" + vm.label());
        notice.setShowFromTop(true);
        notice.getStyleClass().add(NotificationPane.STYLE_CLASS_DARK);
        vm.errorProperty().addListener((o, a, b) -> showError(b));
        schedule.setId("schedule-" + vm.label());
        schedule.setAnimationsEnabled(false);
        schedule.setPolicy(vm.label());
        schedule.setPrefHeight(240);
        schedule.setMinHeight(220);
        vm.layerBudgetsProperty().addListener((o, a, b) -> updateSchedule(b));
        updateSchedule(vm.layerBudgetsProperty().get());
        ProgressBar progress = new ProgressBar();
        progress.progressProperty().bind(vm.evaluationProgressProperty());
        progress.setMaxWidth(Double.MAX_VALUE);
        Label evalStatus = new Label();
        evalStatus.getStyleClass().add("muted");
        evalStatus.textProperty().bind(vm.evaluationStatusProperty());
        Button cancel = new Button(null, new FontIcon("mdi2c-close-circle-outline"));
        cancel.setId("cancel-rerun-" + vm.label());
        cancel.setTooltip(new Tooltip("Cancel the background perplexity / needle re-run"));
        cancel.disableProperty().bind(vm.evaluationStatusProperty().map(s -> s.equals("up to date") || s.isEmpty()
                || s.startsWith("re-run cancelled") || s.startsWith("re-run failed")));
        cancel.setOnAction(e -> vm.stopEvaluation());
        HBox eval = new HBox(6, new Label("Re-run"), progress, evalStatus, cancel);
        eval.setAlignment(javafx.geometry.Pos.CENTER_LEFT);
        HBox.setHgrow(progress, Priority.ALWAYS);
        Card scheduleCard = new Card("Per-layer budget", schedule, () -> schedule.scheduleProperty().get());
        getChildren().addAll(new HBox(6, picker, undoButton(), redoButton()), description, notice, scheduleCard, eval);
        HBox.setHgrow(picker, Priority.ALWAYS);
        sceneProperty().addListener((o, a, scene) -> UndoKeys.install(scene, vm.history()));
    }

    public ParameterControls controls() { return controls; }

    /** Lists the registered policies again (after plugins were loaded), keeping the one shown. */
    public void refreshPolicies() {
        picker.getItems().setAll(PolicyRegistry.entries());
        picker.getSelectionModel().select(PolicyRegistry.entry(vm.policyName()));
    }

    /** The non-modal notice over the parameter grid (shows the policy's error). */
    public NotificationPane notice() { return notice; }

    private void showError(String message) {
        if (message == null) {
            notice.hide();
        } else {
            notice.show(message);
        }
    }

    private Button undoButton() {
        Button b = new Button(null, new FontIcon("mdi2u-undo"));
        b.setId("undo-" + vm.label());
        b.setTooltip(new Tooltip("Undo the last parameter change (" + UndoKeys.UNDO.getDisplayText() + ")"));
        b.disableProperty().bind(vm.history().canUndoProperty().not());
        b.setOnAction(e -> vm.history().undo());
        return b;
    }

    private Button redoButton() {
        Button b = new Button(null, new FontIcon("mdi2r-redo"));
        b.setId("redo-" + vm.label());
        b.setTooltip(new Tooltip("Redo (" + UndoKeys.REDO.getDisplayText() + " or " + UndoKeys.REDO_Y.getDisplayText() + ")"));
        b.disableProperty().bind(vm.history().canRedoProperty().not());
        b.setOnAction(e -> vm.history().redo());
        return b;
    }

    private void updateSchedule(int[] budgets) {
        schedule.setSchedule(budgets == null ? null : new BudgetSchedule(budgets.clone(),
                vm.policyName() + ": KV entries kept per kv-head"));
    }

    /** A policy by its name, its description on hover (one tooltip per cell, its text replaced: no popup per switch). */
    private static final class EntryCell extends ListCell<PolicyRegistry.Entry> {
        private final Tooltip tooltip = new Tooltip();

        @Override
        protected void updateItem(PolicyRegistry.Entry item, boolean empty) {
            super.updateItem(item, empty);
            setText(empty || item == null ? null : item.name());
            if (empty || item == null) {
                setTooltip(null);
            } else {
                tooltip.setText(item.description());
                setTooltip(tooltip);
            }
        }
    }
}
