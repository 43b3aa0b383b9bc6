package org.kvscope.app.ui.view;

import java.io.File;
import java.nio.file.Path;
import javafx.application.Platform;
import javafx.geometry.Insets;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ProgressBar;
import javafx.scene.input.TransferMode;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;
import org.kordamp.ikonli.javafx.FontIcon;
import org.kvscope.app.ui.DeviceProbe;
import org.kvscope.app.ui.vm.ModelFacts;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.kv.KvCacheType;

/**
 * Opening a model (file chooser, drag and drop anywhere on the pane, recent list), the loading
 * progress with Cancel, the device and KV cache type choices (a pair the GPU cannot run is refused, with a notice
 * under them saying why and what is valid), and the facts of the loaded model (its full-context KV cache in the chosen
 * type's bytes).
 */
public final class ModelPane extends VBox {
    private final WorkbenchViewModel vm;
    private final GridPane facts = new GridPane();

    public ModelPane(WorkbenchViewModel vm) {
        super(8);
        this.vm = vm;
        setPadding(new Insets(8));
        getStyleClass().add("model-pane");
        Button open = new Button("_Open GGUF…", new FontIcon("mdi2f-folder-open-outline"));
        open.setId("open-model");
        open.setMinWidth(Region.USE_PREF_SIZE);
        open.setOnAction(e -> choose());
        ComboBox<Path> recent = new ComboBox<>(vm.recent());
        recent.setId("recent-models");
        recent.setPromptText("Recent models");
        recent.setMaxWidth(Double.MAX_VALUE);
        recent.setCellFactory(l -> new PathCell());
        recent.setButtonCell(new PathCell());
        recent.setOnAction(e -> {
            Path p = recent.getValue();
            if (p != null && (vm.model() == null || !vm.model().info().path().toAbsolutePath().equals(p))) {
                vm.openModel(p);
            }
        });
        HBox.setHgrow(recent, Priority.ALWAYS);
        ProgressBar progress = new ProgressBar(ProgressBar.INDETERMINATE_PROGRESS);
        progress.setMaxWidth(Double.MAX_VALUE);
        Button cancel = new Button("Cancel");
        cancel.setOnAction(e -> vm.cancelLoad());
        HBox loading = new HBox(6, progress, cancel);
        HBox.setHgrow(progress, Priority.ALWAYS);
        loading.visibleProperty().bind(vm.loadingProperty());
        loading.managedProperty().bind(vm.loadingProperty());
        ComboBox<DeviceProbe.Device> device = new ComboBox<>();
        device.setId("device");
        device.getItems().setAll(vm.devices().devices());
        device.setCellFactory(l -> new DeviceCell());
        device.setButtonCell(new DeviceCell());
        device.getSelectionModel().select(device.getItems().stream().filter(DeviceProbe.Device::available).findFirst()
                .orElse(null));
        device.valueProperty().addListener((o, a, b) -> {
            if (b != null && !b.available()) {
                device.getSelectionModel().select(a);
            } else if (b != null) {
                vm.deviceProperty().set(b.name());
            }
        });
        // the box shows the view model's device: a refused choice (the GPU with a cache type other than f32) goes
        // back, a session that needs the CPU moves it (after the change in progress, not inside it)
        vm.deviceProperty().addListener((o, a, b) -> Platform.runLater(() -> device.getItems().stream()
                .filter(d -> d.name().equals(vm.deviceProperty().get())).findFirst()
                .ifPresent(d -> device.getSelectionModel().select(d))));
        Label notice = new Label();
        notice.setId("device-notice");
        notice.setWrapText(true);
        notice.setMinHeight(Region.USE_PREF_SIZE);
        notice.setGraphic(new FontIcon("mdi2a-alert-outline"));
        notice.textProperty().bind(vm.noticeProperty());
        notice.visibleProperty().bind(vm.noticeProperty().isNotEmpty());
        notice.managedProperty().bind(notice.visibleProperty());
        ComboBox<KvCacheType> cacheType = cacheTypeChoice();
        Label hint = new Label("or drop a .gguf file here");
        hint.getStyleClass().add("muted");
        facts.setHgap(10);
        facts.setVgap(3);
        facts.setId("model-facts");
        vm.modelProperty().addListener((o, a, b) -> showFacts());
        vm.cacheTypeProperty().addListener((o, a, b) -> showFacts());
        showFacts();
        Label deviceLabel = new Label("Device");
        deviceLabel.setMinWidth(Region.USE_PREF_SIZE);
        Label cacheLabel = new Label("KV cache");
        cacheLabel.setMinWidth(Region.USE_PREF_SIZE);
        cacheLabel.setLabelFor(cacheType);
        deviceLabel.setLabelFor(device);
        // the device box takes the row's width, whatever the longest reason a device is unusable (its popup lists
        // them); in a wrapping bar its widest item set the panel's least width, wider than the side column
        device.setMaxWidth(Double.MAX_VALUE);
        GridPane deviceRow = new GridPane(6, 4);
        deviceRow.addRow(0, deviceLabel, device);
        deviceRow.addRow(1, cacheLabel, cacheType);
        GridPane.setHgrow(device, Priority.ALWAYS);
        getChildren().addAll(new HBox(6, open, recent), hint, loading, deviceRow, notice, facts);
        setOnDragOver(e -> {
            if (e.getDragboard().hasFiles()) {
                e.acceptTransferModes(TransferMode.COPY);
            }
            e.consume();
        });
        setOnDragDropped(e -> {
            boolean ok = e.getDragboard().hasFiles() && !e.getDragboard().getFiles().isEmpty();
            if (ok) {
                vm.openModel(e.getDragboard().getFiles().get(0).toPath());
            }
            e.setDropCompleted(ok);
            e.consume();
        });
    }

    /** The KV cache type of Run, the re-runs and Generate; a change runs a captured prompt again with it. */
    private ComboBox<KvCacheType> cacheTypeChoice() {
        ComboBox<KvCacheType> box = new ComboBox<>();
        box.setId("cache-type");
        box.getItems().setAll(KvCacheType.values());
        box.setConverter(new javafx.util.StringConverter<>() {
            @Override public String toString(KvCacheType t) { return t == null ? "" : t.cliName(); }
            @Override public KvCacheType fromString(String s) { return KvCacheType.parse(s); }
        });
        box.setValue(vm.cacheTypeProperty().get());
        String help = "How runs store keys and values: f32 exact; f16 2 bytes a value; q8_0 34 bytes and q4_0 18 bytes "
                + "per 32 values (llama.cpp's block types). Changing it runs the prompt again.";
        box.setTooltip(new javafx.scene.control.Tooltip(help));
        box.setAccessibleText("KV cache type");
        box.valueProperty().addListener((o, a, b) -> {
            vm.chooseCacheType(b);
            if (b != vm.cacheTypeProperty().get()) { // refused: the notice says why
                Platform.runLater(() -> box.setValue(vm.cacheTypeProperty().get()));
            }
        });
        vm.cacheTypeProperty().addListener((o, a, b) -> Platform.runLater(() -> box.setValue(vm.cacheTypeProperty().get())));
        return box;
    }

    private void choose() {
        FileChooser fc = new FileChooser();
        fc.setTitle("Open a GGUF model");
        fc.getExtensionFilters().addAll(new FileChooser.ExtensionFilter("GGUF models", "*.gguf"),
                new FileChooser.ExtensionFilter("All files", "*"));
        File f = fc.showOpenDialog(getScene().getWindow());
        if (f != null) {
            vm.openModel(f.toPath());
        }
    }

    private void showFacts() {
        facts.getChildren().clear();
        if (vm.model() == null) {
            Label none = new Label("No model loaded.");
            none.getStyleClass().add("muted");
            facts.add(none, 0, 0);
            return;
        }
        int row = 0;
        for (var e : ModelFacts.of(vm.model(), vm.cacheTypeProperty().get()).entrySet()) {
            Label k = new Label(e.getKey());
            k.getStyleClass().add("muted");
            k.setMinWidth(Region.USE_PREF_SIZE); // the value wraps instead
            Label v = new Label(e.getValue());
            v.setWrapText(true);
            facts.add(k, 0, row);
            facts.add(v, 1, row++);
        }
    }

    private static final class PathCell extends ListCell<Path> {
        @Override
        protected void updateItem(Path item, boolean empty) {
            super.updateItem(item, empty);
            setText(empty || item == null ? null : item.getFileName().toString());
        }
    }

    private static final class DeviceCell extends ListCell<DeviceProbe.Device> {
        @Override
        protected void updateItem(DeviceProbe.Device item, boolean empty) {
            super.updateItem(item, empty);
            if (empty || item == null) {
                setText(null);
                setDisable(false);
                return;
            }
            setText(item.available() ? item.name() : item.name() + " — " + item.reason());
            setDisable(!item.available());
            setOpacity(item.available() ? 1 : 0.5);
        }
    }
}
