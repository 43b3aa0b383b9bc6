package org.kvscope.viz;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.Scene;
import javafx.scene.image.WritableImage;
import javafx.stage.Stage;
import org.testfx.util.WaitForAsyncUtils;

/** Test helpers: run code on the FX thread and snapshot nodes. */
public final class Fx {
    private Fx() {
    }

    /** Runs {@code task} on the FX thread and returns its result, rethrowing its exception. */
    public static <T> T call(Callable<T> task) {
        try {
            T result = WaitForAsyncUtils.asyncFx(task).get(30, TimeUnit.SECONDS);
            WaitForAsyncUtils.waitForFxEvents();
            return result;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new AssertionError(e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError(e);
        }
    }

    /** Runs {@code task} on the FX thread and waits for it. */
    public static void run(Runnable task) {
        call(() -> {
            task.run();
            return null;
        });
    }

    /**
     * Lays out {@code node}'s scene and waits (up to 30 s) until every visible view under it that draws in the
     * background shows its current state ({@link org.kvscope.viz.view.BackgroundRendering#allRendered}).
     */
    public static void awaitRendered(Node node) {
        try {
            WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> call(() -> {
                if (node.getScene() != null) {
                    node.getScene().getRoot().applyCss();
                    node.getScene().getRoot().layout();
                }
                return org.kvscope.viz.view.BackgroundRendering.allRendered(node);
            }));
        } catch (TimeoutException e) {
            throw new AssertionError("not rendered within 30 s: " + node, e);
        }
    }

    /** Waits until {@code node} is {@linkplain #awaitRendered rendered}, then snapshots it. */
    public static WritableImage renderedSnapshot(Node node) {
        awaitRendered(node);
        return snapshot(node);
    }

    /** Snapshots a node on the FX thread (the snapshot runs CSS and layout first). */
    public static WritableImage snapshot(Node node) {
        return call(() -> node.snapshot(null, null));
    }

    /** Shows {@code root} as the stage's scene at the given size. */
    public static void show(Stage stage, Parent root, double width, double height) {
        run(() -> {
            Scene scene = new Scene(root, width, height);
            stage.setScene(scene);
            stage.show();
            stage.toFront();
        });
    }

    /** ARGB of one pixel. */
    public static int argb(WritableImage image, double x, double y) {
        return image.getPixelReader().getArgb((int) x, (int) y);
    }

    /** Sum of |difference| of RGB channels between two colours. */
    public static int distance(int a, int b) {
        return Math.abs((a >> 16 & 0xFF) - (b >> 16 & 0xFF)) + Math.abs((a >> 8 & 0xFF) - (b >> 8 & 0xFF))
                + Math.abs((a & 0xFF) - (b & 0xFF));
    }

    /** Perceived brightness 0..255. */
    public static double brightness(int argb) {
        return 0.299 * (argb >> 16 & 0xFF) + 0.587 * (argb >> 8 & 0xFF) + 0.114 * (argb & 0xFF);
    }
}
