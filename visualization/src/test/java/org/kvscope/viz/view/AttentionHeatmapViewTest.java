package org.kvscope.viz.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import javafx.geometry.Point2D;
import javafx.geometry.Rectangle2D;
import javafx.scene.image.WritableImage;
import javafx.scene.layout.StackPane;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kvscope.viz.ColorScales;
import org.kvscope.viz.Fx;
import org.kvscope.viz.VizStyle;
import org.kvscope.viz.data.AttentionMap;
import org.kvscope.viz.data.KeptMask;
import org.kvscope.viz.demo.SampleData;
import org.kvscope.viz.raster.PooledGrid;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

@ExtendWith(ApplicationExtension.class)
class AttentionHeatmapViewTest {
    private AttentionHeatmapView view;
    private Stage stage;

    @Start
    void start(Stage stage) {
        this.stage = stage;
        view = new AttentionHeatmapView();
        stage.setScene(new javafx.scene.Scene(new StackPane(view), 248, 276));
        stage.show();
    }

    /** 4 tokens; row q spreads over keys 0..q. */
    private static AttentionMap small() {
        float[] w = {
            1.00f, 0, 0, 0,
            0.90f, 0.10f, 0, 0,
            0.50f, 0.25f, 0.25f, 0,
            0.001f, 0.009f, 0.09f, 0.90f};
        return AttentionMap.selfAttention(w, List.of("Lily", "saw", "a", "dog"));
    }

    @Test
    void drawsColoursAndLeavesCausalTriangleEmpty() {
        Fx.run(() -> view.setMap(small()));
        WritableImage img = Fx.snapshot(view);
        Point2D strongest = Fx.call(() -> view.cellCenter(0, 0));
        Point2D future = Fx.call(() -> view.cellCenter(0, 3));
        assertEquals(ColorScales.VIRIDIS.argbAt(1.0), Fx.argb(img, strongest.getX(), strongest.getY()));
        assertEquals(PooledGrid.CAUSAL_ARGB, Fx.argb(img, future.getX(), future.getY()));
        Point2D weak = Fx.call(() -> view.cellCenter(3, 0));
        assertEquals(ColorScales.VIRIDIS.argbAt(0.001), Fx.argb(img, weak.getX(), weak.getY()));
    }

    @Test
    void logScaleBrightensSmallWeights() {
        Fx.run(() -> view.setMap(small()));
        Point2D weak = Fx.call(() -> view.cellCenter(3, 1));
        Point2D strong = Fx.call(() -> view.cellCenter(0, 0));
        int linear = Fx.argb(Fx.snapshot(view), weak.getX(), weak.getY());
        int strongLinear = Fx.argb(Fx.snapshot(view), strong.getX(), strong.getY());
        Fx.run(() -> view.setMapping(ColorScales.Mapping.LOG));
        WritableImage img = Fx.snapshot(view);
        int log = Fx.argb(img, weak.getX(), weak.getY());
        assertNotEquals(linear, log);
        assertTrue(Fx.brightness(log) > Fx.brightness(linear) + 30, "0.009 rises on a 4-decade log scale");
        assertEquals(strongLinear, Fx.argb(img, strong.getX(), strong.getY()), "the maximum keeps its colour");
    }

    @Test
    void keptMaskDimsOnlyEvictedColumns() {
        AttentionMap map = small();
        Fx.run(() -> view.setMap(map));
        Point2D evicted = Fx.call(() -> view.cellCenter(3, 1));
        Point2D kept = Fx.call(() -> view.cellCenter(3, 2));
        WritableImage before = Fx.snapshot(view);
        Fx.run(() -> view.setKeptMask(new KeptMask(new boolean[] {true, false, true, true})));
        WritableImage after = Fx.snapshot(view);
        int dx = 3;
        assertTrue(Fx.distance(Fx.argb(before, evicted.getX(), evicted.getY()),
                Fx.argb(after, evicted.getX(), evicted.getY())) > 60, "evicted column is dimmed");
        assertTrue(Fx.distance(Fx.argb(before, evicted.getX() + dx, evicted.getY() + 5),
                Fx.argb(after, evicted.getX() + dx, evicted.getY() + 5)) > 60, "whole evicted column is dimmed");
        assertEquals(Fx.argb(before, kept.getX(), kept.getY()), Fx.argb(after, kept.getX(), kept.getY()));
        Fx.run(() -> view.setKeptMask(null));
        assertEquals(Fx.argb(before, evicted.getX(), evicted.getY()),
                Fx.argb(Fx.snapshot(view), evicted.getX(), evicted.getY()), "removing the mask restores pixels");
    }

    @Test
    void hoverOnCellPublishesText(FxRobot robot) {
        Fx.run(() -> view.setMap(small()));
        Point2D local = Fx.call(() -> view.cellCenter(2, 1));
        robot.moveTo(Fx.call(() -> view.localToScreen(local)));
        assertEquals("query #2 'a' → key #1 'saw': 0.250", Fx.call(view::getHoverText));
        Point2D future = Fx.call(() -> view.cellCenter(1, 3));
        robot.moveTo(Fx.call(() -> view.localToScreen(future)));
        assertEquals("query #1 'saw' → key #3 'dog': masked (future key)", Fx.call(view::getHoverText));
        robot.moveTo(Fx.call(() -> view.localToScreen(2, 2)));
        assertEquals("", Fx.call(view::getHoverText));
    }

    @Test
    void hoverTextIsDrawn(FxRobot robot) {
        Fx.run(() -> view.setMap(small()));
        Rectangle2D plot = Fx.call(view::plotArea);
        double textY = plot.getMaxY() + AttentionHeatmapView.BOTTOM_STRIP / 2;
        WritableImage before = Fx.snapshot(view);
        robot.moveTo(Fx.call(() -> view.localToScreen(view.cellCenter(3, 3))));
        WritableImage after = Fx.snapshot(view);
        int changed = 0;
        for (int x = (int) plot.getMinX(); x < plot.getMaxX(); x++) {
            for (int y = (int) textY - 5; y <= textY + 5; y++) {
                if (Fx.argb(before, x, y) != Fx.argb(after, x, y)) {
                    changed++;
                }
            }
        }
        assertTrue(changed > 30, "hover label changed " + changed + " pixels");
    }

    @Test
    void sinkMarkerAboveFirstKeys() {
        Fx.run(() -> {
            view.setMap(small());
            view.setSinkCount(1);
        });
        Point2D sinkKey = Fx.call(() -> view.cellCenter(0, 0));
        Point2D other = Fx.call(() -> view.cellCenter(0, 2));
        double y = Fx.call(view::plotArea).getMinY() - 3;
        WritableImage img = Fx.snapshot(view);
        assertTrue(Fx.distance(Fx.argb(img, sinkKey.getX(), y), argb(VizStyle.SINK)) < 20);
        assertTrue(Fx.distance(Fx.argb(img, other.getX(), y), argb(VizStyle.SINK)) > 100);
    }

    @Test
    void largeMapIsPooledToPlotSizeAndResizes() {
        AttentionMap big = SampleData.attention(2048, 4, 2.0, 1);
        Fx.run(() -> view.setMap(big));
        Rectangle2D plot = Fx.call(view::plotArea);
        WritableImage img = Fx.snapshot(view);
        Point2D first = Fx.call(() -> view.cellCenter(0, 0));
        assertEquals(ColorScales.VIRIDIS.argbAt(1.0), Fx.argb(img, first.getX(), first.getY()),
                "max pooling keeps the weight 1.0 of query 0 although ~9 rows share each pixel");
        Fx.run(() -> stage.setWidth(400));
        Rectangle2D wider = Fx.call(view::plotArea);
        assertTrue(wider.getWidth() > plot.getWidth() + 100, "plot follows the parent's width");
        WritableImage resized = Fx.snapshot(view);
        assertEquals(wider.getWidth() + 2 * AttentionHeatmapView.PAD, resized.getWidth(), 1.0);
    }

    @Test
    void maskMustMatchKeyCount() {
        Fx.run(() -> view.setMap(small()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Fx.run(() -> view.setKeptMask(new KeptMask(new boolean[3]))));
        assertEquals("kept mask covers 3 keys but the attention map has 4 keys", e.getMessage());
    }

    private static int argb(javafx.scene.paint.Color c) {
        return 0xFF000000 | (int) Math.round(c.getRed() * 255) << 16 | (int) Math.round(c.getGreen() * 255) << 8
                | (int) Math.round(c.getBlue() * 255);
    }
}
