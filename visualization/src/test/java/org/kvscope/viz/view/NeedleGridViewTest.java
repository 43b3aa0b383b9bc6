package org.kvscope.viz.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import javafx.geometry.Rectangle2D;
import javafx.scene.image.WritableImage;
import javafx.scene.paint.Color;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kvscope.viz.ColorScales;
import org.kvscope.viz.Fx;
import org.kvscope.viz.data.NeedleGrid;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

@ExtendWith(ApplicationExtension.class)
class NeedleGridViewTest {
    private NeedleGridView view;

    @Start
    void start(Stage stage) {
        view = new NeedleGridView();
        Fx.show(stage, view, 400, 300);
    }

    private static int argb(Color c) {
        return 0xFF000000 | (int) Math.round(c.getRed() * 255) << 16 | (int) Math.round(c.getGreen() * 255) << 8
                | (int) Math.round(c.getBlue() * 255);
    }

    @Test
    void cellsColouredBySuccessOrValueWithText() {
        NeedleGrid grid = new NeedleGrid(new int[] {512, 1024}, new double[] {0, 1},
                new double[][] {{-0.1, -3.0}, {-0.5, -1.0}}, new boolean[][] {{true, false}, {true, true}}, "needle");
        Fx.run(() -> view.setGrid(grid));
        Rectangle2D ok = Fx.call(() -> view.cellBounds(0, 0));
        Rectangle2D failed = Fx.call(() -> view.cellBounds(0, 1));
        WritableImage img = Fx.snapshot(view);
        assertEquals(argb(NeedleGridView.SUCCESS_COLOR), Fx.argb(img, ok.getMinX() + 4, ok.getMinY() + 4));
        assertEquals(argb(NeedleGridView.FAILURE_COLOR), Fx.argb(img, failed.getMinX() + 4, failed.getMinY() + 4));
        int textPixels = 0;
        for (double x = ok.getMinX() + 4; x < ok.getMaxX() - 4; x++) {
            int p = Fx.argb(img, x, ok.getMinY() + ok.getHeight() / 2);
            if (Fx.distance(p, argb(NeedleGridView.SUCCESS_COLOR)) > 100) {
                textPixels++;
            }
        }
        assertTrue(textPixels > 3, "value text drawn in the cell");

        Fx.run(() -> view.setColorBy(NeedleGridView.ColorBy.VALUE));
        img = Fx.snapshot(view);
        assertEquals(ColorScales.VIRIDIS.argbAt(1.0), Fx.argb(img, ok.getMinX() + 4, ok.getMinY() + 4), "max value");
        assertEquals(ColorScales.VIRIDIS.argbAt(0.0), Fx.argb(img, failed.getMinX() + 4, failed.getMinY() + 4));
        assertNotEquals(argb(NeedleGridView.SUCCESS_COLOR), Fx.argb(img, ok.getMinX() + 4, ok.getMinY() + 4));
    }

    @Test
    void theTitleIsDrawnAboveTheGridAndNamedInTheAccessibleText() {
        NeedleGrid grid = new NeedleGrid(new int[] {512, 1024}, new double[] {0, 1},
                new double[][] {{1, 0}, {1, 1}}, new boolean[][] {{true, false}, {true, true}}, "Policy B: h2o");
        Fx.run(() -> view.setGrid(grid));
        WritableImage img = Fx.snapshot(view);
        javafx.geometry.Bounds title = Fx.call(() -> view.title().getBoundsInParent());
        Rectangle2D firstCell = Fx.call(() -> view.cellBounds(0, 0));
        assertEquals("Policy B: h2o — 75% retrieved", Fx.call(() -> view.title().getText()));
        assertTrue(title.getHeight() > 8 && title.getMaxY() <= firstCell.getMinY(), "title above the cells: " + title);
        int background = Fx.argb(img, 2, 2);
        int inked = 0;
        for (double x = title.getMinX(); x < title.getMaxX(); x++) {
            for (double y = title.getMinY(); y < title.getMaxY(); y++) {
                if (Fx.distance(Fx.argb(img, x, y), background) > 150) {
                    inked++;
                }
            }
        }
        assertTrue(inked > 40, "the title's text is drawn, not hidden under the canvas (" + inked + " dark pixels)");
        assertTrue(Fx.call(view::getAccessibleText).contains("Policy B: h2o"), Fx.call(view::getAccessibleText));
    }

    /** Grids side by side start their cells level even when one title wraps (a long policy name). */
    @Test
    void alignedGridsKeepTheirCellsLevelWhenOneTitleWraps() {
        boolean[][] ok = {{true, false}, {true, true}};
        double[][] values = {{1, 0}, {1, 1}};
        NeedleGridView shortTitle = new NeedleGridView();
        NeedleGridView longTitle = new NeedleGridView();
        Fx.run(() -> {
            javafx.scene.layout.HBox row = new javafx.scene.layout.HBox(12, shortTitle, longTitle);
            row.getChildren().forEach(g -> javafx.scene.layout.HBox.setHgrow(g, javafx.scene.layout.Priority.ALWAYS));
            NeedleGridView.alignTitles(java.util.List.of(shortTitle, longTitle));
            view.getScene().setRoot(row);
            shortTitle.setGrid(new NeedleGrid(new int[] {512, 1024}, new double[] {0, 1}, values, ok, "A"));
            longTitle.setGrid(new NeedleGrid(new int[] {512, 1024}, new double[] {0, 1}, values, ok,
                    "B: a policy with a rather long name"));
        });
        Fx.snapshot(shortTitle.getParent());
        double oneLine = Fx.call(() -> shortTitle.title().getHeight());
        double wrapped = Fx.call(() -> longTitle.title().getHeight());
        assertTrue(wrapped > 1.5 * oneLine, "the long title wraps: " + wrapped + " against " + oneLine);
        Rectangle2D a = Fx.call(() -> shortTitle.cellBounds(0, 0));
        Rectangle2D b = Fx.call(() -> longTitle.cellBounds(0, 0));
        assertEquals(b.getMinY(), a.getMinY(), 0.5, "first rows level");
        assertEquals(b.getHeight(), a.getHeight(), 0.5, "cells of one height");
        assertTrue(Fx.call(() -> longTitle.title().getBoundsInParent().getMaxY()) <= b.getMinY(), "below the title");
        Fx.run(() -> longTitle.setGrid(new NeedleGrid(new int[] {512, 1024}, new double[] {0, 1}, values, ok,
                "B")));
        Fx.snapshot(shortTitle.getParent());
        assertEquals(Fx.call(() -> shortTitle.title().getBoundsInParent().getMaxY() + 2),
                Fx.call(() -> shortTitle.cellBounds(0, 0).getMinY()), 1, "the room shrinks back with the titles");
    }
}
