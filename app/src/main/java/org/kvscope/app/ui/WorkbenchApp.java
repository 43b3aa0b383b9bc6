package org.kvscope.app.ui;

import java.nio.file.Path;
import java.util.List;
import javafx.application.Application;
import javafx.scene.Scene;
import javafx.stage.Stage;
import org.kvscope.app.ui.session.RecentModels;
import org.kvscope.app.ui.view.MainWindow;
import org.kvscope.app.ui.vm.UiThreads;
import org.kvscope.app.ui.vm.WorkbenchViewModel;

/** The kvscope desktop workbench. An optional first argument names a GGUF model to open. */
public final class WorkbenchApp extends Application {
    private WorkbenchViewModel vm;

    /** Builds the view model and window into a scene (used by the app, tests and screenshots). */
    public static Scene createScene(WorkbenchViewModel vm, double width, double height) {
        MainWindow window = new MainWindow(vm);
        Scene scene = new Scene(window, width, height);
        scene.getStylesheets().addAll(org.kvscope.viz.VizStyle.stylesheet(), stylesheet());
        return scene;
    }

    /** The workbench stylesheet URL. */
    public static String stylesheet() {
        return WorkbenchApp.class.getResource("/org/kvscope/app/ui/workbench.css").toExternalForm();
    }

    /** A view model over the real engine with the standard threads and recent-models store. */
    public static WorkbenchViewModel standardViewModel() {
        return new WorkbenchViewModel(new Workbench(), UiThreads.standard(), RecentModels.standard(),
                DeviceProbe.cuda());
    }

    @Override
    public void start(Stage stage) {
        vm = standardViewModel();
        stage.setTitle("kvscope workbench");
        var screen = javafx.stage.Screen.getPrimary().getVisualBounds();
        stage.setScene(createScene(vm, Math.max(MainWindow.MIN_WIDTH, Math.min(1500, screen.getWidth())),
                Math.max(MainWindow.MIN_HEIGHT, Math.min(920, screen.getHeight()))));
        stage.setMinWidth(MainWindow.MIN_WIDTH);
        stage.setMinHeight(MainWindow.MIN_HEIGHT);
        stage.show();
        List<String> args = getParameters().getRaw();
        if (!args.isEmpty()) {
            vm.openModel(Path.of(args.get(0)));
        }
    }

    @Override
    public void stop() {
        if (vm != null) {
            vm.shutdown();
        }
    }

    /** Opens the window (blocks until it is closed). */
    public static void launchApp(String... args) {
        Application.launch(WorkbenchApp.class, args);
    }
}
