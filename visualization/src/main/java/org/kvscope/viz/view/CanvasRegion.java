package org.kvscope.viz.view;

import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.layout.Region;
import org.kvscope.viz.VizTheme;

/**
 * A view drawn on one canvas that fills it: each layout sizes the canvas to the region (snapped to pixels) and
 * redraws. The canvas is the first child, so nodes added after it (a title) are drawn over it.
 */
abstract class CanvasRegion extends Region {
    private final Canvas canvas = new Canvas();

    CanvasRegion() {
        getChildren().add(canvas);
    }

    /** Draws the whole view; start with {@link #clearedContext()}. */
    abstract void redraw();

    /** The canvas's context, filled with the theme's background. */
    final GraphicsContext clearedContext() {
        GraphicsContext g = canvas.getGraphicsContext2D();
        g.setFill(VizTheme.palette().background());
        g.fillRect(0, 0, canvas.getWidth(), canvas.getHeight());
        return g;
    }

    @Override
    protected void layoutChildren() {
        double w = snapSizeX(getWidth());
        double h = snapSizeY(getHeight());
        if (canvas.getWidth() != w || canvas.getHeight() != h) {
            canvas.setWidth(w);
            canvas.setHeight(h);
        }
        redraw();
    }
}
