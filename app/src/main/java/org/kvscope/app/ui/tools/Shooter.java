package org.kvscope.app.ui.tools;

import java.nio.file.Path;
import javafx.scene.Scene;
import javafx.stage.Stage;
import org.kvscope.app.ui.WorkbenchApp;
import org.kvscope.app.ui.view.MainWindow;
import org.kvscope.app.ui.vm.WorkbenchViewModel;
import org.kvscope.viz.export.ChartExport;

/** The workbench window {@code kvscope screenshots} renders: one stage, resized, restyled and shot per PNG. */
record Shooter(Stage stage, MainWindow window) {
    /** Time the window gets after a change before it is shot: its debounced views redraw. */
    private static final long SETTLE_MILLIS = 400;

    /** Shows the workbench of {@code vm} at 1280×800 (the toolkit must be running). */
    static Shooter open(WorkbenchViewModel vm) throws Exception {
        return FxRuntime.onFx(() -> {
            Scene scene = WorkbenchApp.createScene(vm, 1280, 800);
            Stage stage = new Stage();
            stage.setScene(scene);
            stage.show();
            return new Shooter(stage, (MainWindow) scene.getRoot());
        });
    }

    /** Gives the window the shot's size, theme, mode and view, lets it settle, and writes it to {@code file}. */
    void shoot(ScreenshotCommand.Shot shot, Path file) throws Exception {
        FxRuntime.onFx(() -> {
            resize(shot.width(), shot.height());
            window.looks().darkProperty().set(shot.dark());
            window.looks().presentationProperty().set(shot.presentation());
            ScreenshotCommand.show(window, shot.where());
            return null;
        });
        Thread.sleep(SETTLE_MILLIS);
        FxRuntime.onFx(() -> {
            window.applyCss();
            window.layout();
            ScreenshotCommand.scroll(window, shot.where());
            window.layout();
            return null;
        });
        ChartExport.png(window, file); // from this thread: waits for the heatmaps' background rasters
    }

    /**
     * Gives the stage a new size while it is hidden. The headless software pipeline keeps its painter's pixel buffers
     * across sizes while a window is shown, and a window grown to 1600×1000 made it fail with "Too small int buffer
     * size 1600x1000" and a stack trace from the render thread; a window shown again gets a new painter.
     */
    private void resize(int width, int height) {
        if (stage.getWidth() == width && stage.getHeight() == height) {
            return;
        }
        stage.hide();
        stage.setWidth(width);
        stage.setHeight(height);
        stage.show();
    }

    /** Closes the window and shuts the workbench's threads down. */
    void close(WorkbenchViewModel vm) throws Exception {
        FxRuntime.onFx(() -> {
            stage.close();
            vm.shutdown();
            return null;
        });
    }
}
