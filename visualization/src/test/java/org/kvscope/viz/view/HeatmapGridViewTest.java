package org.kvscope.viz.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import javafx.geometry.Bounds;
import javafx.scene.Node;
import javafx.scene.image.WritableImage;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kvscope.viz.ColorScales;
import org.kvscope.viz.Fx;
import org.kvscope.viz.data.LayerHead;
import org.kvscope.viz.data.LayerHeadMaps;
import org.kvscope.viz.demo.SampleData;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

@ExtendWith(ApplicationExtension.class)
class HeatmapGridViewTest {
    private HeatmapGridView view;

    @Start
    void start(Stage stage) {
        view = new HeatmapGridView(32);
        view.setMaps(SampleData.layerHeadMaps(3, 2, 48));
        Fx.show(stage, view, 300, 260);
    }

    /** Pixels in the thumbnail's 2-pixel border ring that have the highlight colour. */
    private int highlightedBorderPixels(int layer, int head) {
        Node thumb = Fx.call(() -> view.thumbnail(layer, head));
        Bounds b = Fx.call(() -> view.sceneToLocal(thumb.localToScene(thumb.getBoundsInLocal())));
        WritableImage img = Fx.snapshot(view);
        int n = 0;
        for (int y = (int) b.getMinY(); y < (int) b.getMaxY(); y++) {
            for (int x = (int) b.getMinX(); x < (int) b.getMaxX(); x++) {
                boolean ring = x < b.getMinX() + 2 || x >= b.getMaxX() - 2 || y < b.getMinY() + 2 || y >= b.getMaxY() - 2;
                if (ring && Fx.distance(Fx.argb(img, x, y), 0xFFFF3D7F) < 40) {
                    n++;
                }
            }
        }
        return n;
    }

    @Test
    void clickSelectsAndHighlightsHead(FxRobot robot) {
        assertNull(Fx.call(view::getSelected));
        assertEquals(0, highlightedBorderPixels(2, 1));
        robot.clickOn(Fx.call(() -> view.thumbnail(2, 1)));
        assertEquals(new LayerHead(2, 1), Fx.call(view::getSelected));
        assertTrue(highlightedBorderPixels(2, 1) > 60, "selection border uses the highlight colour");
        robot.clickOn(Fx.call(() -> view.thumbnail(0, 0)));
        assertEquals(new LayerHead(0, 0), Fx.call(view::getSelected));
        assertEquals(0, highlightedBorderPixels(2, 1), "previous selection loses its highlight");
        assertTrue(highlightedBorderPixels(0, 0) > 60);
    }

    @Test
    void sameShapeUpdateReusesThumbnailsAndRedraws() {
        Node before = Fx.call(() -> view.thumbnail(1, 1));
        Bounds b = Fx.call(() -> view.sceneToLocal(before.localToScene(before.getBoundsInLocal())));
        double x = b.getMaxX() - 5;
        double y = b.getMaxY() - 5;
        int pixelBefore = Fx.argb(Fx.snapshot(view), x, y);
        LayerHeadMaps other = SampleData.layerHeadMaps(3, 2, 48);
        Fx.run(() -> {
            view.setSelected(new LayerHead(1, 1));
            view.mappingProperty().set(ColorScales.Mapping.LINEAR);
            view.setMaps(other);
        });
        assertSame(before, Fx.call(() -> view.thumbnail(1, 1)));
        assertEquals(new LayerHead(1, 1), Fx.call(view::getSelected));
        assertNotEquals(pixelBefore, Fx.argb(Fx.snapshot(view), x, y), "linear mapping recolours the thumbnails");
        Fx.run(() -> view.setMaps(SampleData.layerHeadMaps(1, 1, 8)));
        assertNull(Fx.call(view::getSelected), "selection outside the new grid is cleared");
    }
}
