package org.kvscope.viz.export;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import javafx.application.Platform;
import javafx.embed.swing.SwingFXUtils;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.Scene;
import javafx.scene.image.WritableImage;
import javax.imageio.ImageIO;
import org.kvscope.viz.data.CsvWritable;
import org.kvscope.viz.view.BackgroundRendering;

/** Writes views as PNG images and data records as CSV files. */
public final class ChartExport {
    private ChartExport() {
    }

    /**
     * Snapshots {@code node} (running CSS and layout first) and writes it as a PNG, creating parent folders.
     * May be called from any thread; off the FX thread it waits for the snapshot, and styles and lays the node out in
     * one FX task and draws it in the next, so the FX thread can answer in between (both in one task kept it busy
     * 186–254 ms for the demo gallery), and waits (up to {@link #RENDER_WAIT_MILLIS}) until the views in it that draw in
     * the background ({@link BackgroundRendering}) show their current state. A parentless root node without a scene
     * is given a scene of its preferred size first so that stylesheets apply.
     *
     * @return the snapshot that was written
     */
    public static WritableImage png(Node node, Path file) throws IOException {
        java.util.Objects.requireNonNull(node, "node");
        java.util.Objects.requireNonNull(file, "file");
        if (!Platform.isFxApplicationThread()) {
            onFxThread(() -> prepare(node));
            awaitRendered(node);
        }
        WritableImage image = onFxThread(() -> snapshot(node));
        BufferedImage buffered = SwingFXUtils.fromFXImage(image, null);
        createParent(file);
        if (!ImageIO.write(buffered, "png", file.toFile())) {
            throw new IOException("no PNG writer available for " + file);
        }
        return image;
    }

    /** Writes a record's {@link CsvWritable#toCsv()} text as UTF-8, creating parent folders. */
    public static void csv(CsvWritable data, Path file) throws IOException {
        java.util.Objects.requireNonNull(data, "data");
        java.util.Objects.requireNonNull(file, "file");
        createParent(file);
        Files.writeString(file, data.toCsv(), StandardCharsets.UTF_8);
    }

    /** Longest wait for background-rendered views before a snapshot taken off the FX thread. */
    public static final long RENDER_WAIT_MILLIS = 10_000;

    private static void awaitRendered(Node node) throws IOException {
        long deadline = System.nanoTime() + RENDER_WAIT_MILLIS * 1_000_000;
        while (!onFxThread(() -> {
            Parent root = node.getScene() == null ? null : node.getScene().getRoot();
            if (root != null) {
                root.applyCss();
                root.layout();
            }
            return BackgroundRendering.allRendered(node);
        })) {
            if (System.nanoTime() > deadline) {
                throw new IOException("the view did not finish drawing within " + RENDER_WAIT_MILLIS / 1000 + " s");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the view to draw", e);
            }
        }
    }

    /** Gives a parentless root without a scene a scene, then runs CSS and layout; returns the node. */
    private static Node prepare(Node node) {
        if (node.getScene() == null && node.getParent() == null && node instanceof Parent root) {
            new Scene(root);
            root.applyCss();
            root.autosize();
            root.layout();
        }
        return node;
    }

    private static WritableImage snapshot(Node node) {
        return prepare(node).snapshot(null, null);
    }

    private static void createParent(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
    }

    private static <T> T onFxThread(java.util.function.Supplier<T> task) throws IOException {
        if (Platform.isFxApplicationThread()) {
            return task.get();
        }
        CompletableFuture<T> future = new CompletableFuture<>();
        Platform.runLater(() -> {
            try {
                future.complete(task.get());
            } catch (RuntimeException | Error e) {
                future.completeExceptionally(e);
            }
        });
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the FX snapshot", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IOException("snapshot failed", e.getCause());
        }
    }
}
