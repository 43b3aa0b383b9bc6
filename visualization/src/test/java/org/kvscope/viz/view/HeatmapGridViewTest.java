package org.kvscope.viz.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
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
import org.testfx.util.WaitForAsyncUtils;

@ExtendWith(ApplicationExtension.class)
class HeatmapGridViewTest {
    private HeatmapGridView view;
    private Stage stage;

    @Start
    void start(Stage stage) {
        this.stage = stage;
        view = new HeatmapGridView(32);
        view.setMaps(SampleData.layerHeadMaps(3, 2, 48));
        Fx.show(stage, view, 300, 260);
        stage.setWidth(300);
        stage.setHeight(260);
    }

    private void awaitRendered() throws Exception {
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> Fx.call(() -> view.renderedProperty().get()));
        WaitForAsyncUtils.waitForFxEvents();
    }

    /** Bounds of a thumbnail in the view's coordinates. */
    private Bounds bounds(int layer, int head) {
        return Fx.call(() -> {
            Node thumb = view.thumbnail(layer, head);
            return view.sceneToLocal(thumb.localToScene(thumb.getBoundsInLocal()));
        });
    }

    /** Pixels in the thumbnail's 2-pixel border ring that have the highlight colour. */
    private int highlightedBorderPixels(int layer, int head) {
        Bounds b = bounds(layer, head);
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
    void clickSelectsAndHighlightsHead(FxRobot robot) throws Exception {
        Fx.run(() -> stage.setHeight(600));
        awaitRendered();
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
    void mappingChangeRedrawsAndSelectionOutsideANewGridIsCleared() throws Exception {
        awaitRendered();
        Bounds b = bounds(1, 1);
        double x = b.getMaxX() - 5;
        double y = b.getMaxY() - 5;
        int pixelBefore = Fx.argb(Fx.snapshot(view), x, y);
        LayerHeadMaps other = SampleData.layerHeadMaps(3, 2, 48);
        Fx.run(() -> {
            view.setSelected(new LayerHead(1, 1));
            view.mappingProperty().set(ColorScales.Mapping.LINEAR);
            view.setMaps(other);
        });
        awaitRendered();
        assertEquals(new LayerHead(1, 1), Fx.call(view::getSelected));
        assertNotEquals(pixelBefore, Fx.argb(Fx.snapshot(view), x, y), "linear mapping recolours the thumbnails");
        Fx.run(() -> view.setMaps(SampleData.layerHeadMaps(1, 1, 8)));
        assertNull(Fx.call(view::getSelected), "selection outside the new grid is cleared");
    }

    /** Whether the list of rows shows a vertical scroll bar. */
    private boolean scrolls() {
        return Fx.call(() -> view.lookupAll(".scroll-bar").stream()
                .anyMatch(n -> n instanceof javafx.scene.control.ScrollBar bar
                        && bar.getOrientation() == javafx.geometry.Orientation.VERTICAL && bar.isVisible()));
    }

    /** Every thumbnail's bounds, each checked to lie inside the view and to show its own head. */
    private List<Bounds> assertWholeGridInside(int layers, int heads) {
        double width = Fx.call(view::getWidth);
        double height = Fx.call(view::getHeight);
        List<Bounds> all = new java.util.ArrayList<>();
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < heads; h++) {
                Bounds b = bounds(l, h);
                assertTrue(b.getMinX() >= 0 && b.getMaxX() <= width && b.getMinY() >= 0 && b.getMaxY() <= height,
                        "layer " + l + " head " + h + " lies inside the " + width + " x " + height + " view: " + b);
                int layer = l, head = h;
                assertEquals(new LayerHead(l, h), Fx.call(() -> view.thumbnail(layer, head).getUserData()));
                all.add(b);
            }
        }
        return all;
    }

    /**
     * At 1280×800 the workbench's side column left the grid 5 layers × 8 heads of about 34 px and 350 px empty below;
     * the grid now takes its thumbnail size from the width and the height: whole, without scrolling, filling one of
     * the two, as rows of heads when the space is narrow and tall.
     */
    @Test
    void theWholeGridFitsWithoutScrollingAndFillsTheWidthOrTheHeight() throws Exception {
        Fx.run(() -> {
            view.setMaps(SampleData.layerHeadMaps(5, 8, 64));
            stage.setWidth(1280);
            stage.setHeight(600);
        });
        awaitRendered();
        assertFalse(scrolls(), "5 layers fit 600 px");
        assertFalse(Fx.call(view::headRows), "wide: rows of layers");
        List<Bounds> wide = assertWholeGridInside(5, 8);
        double width = Fx.call(view::getWidth);
        double height = Fx.call(view::getHeight);
        double right = wide.stream().mapToDouble(Bounds::getMaxX).max().orElseThrow();
        double bottom = wide.stream().mapToDouble(Bounds::getMaxY).max().orElseThrow();
        assertTrue(width - right < 60 || height - bottom < 30, "fills the width or the height: " + (width - right)
                + " px right, " + (height - bottom) + " px below");

        Fx.run(() -> {
            stage.setWidth(380); // the side column at 1280×800
            stage.setHeight(640);
        });
        WaitForAsyncUtils.waitForFxEvents();
        awaitRendered();
        assertFalse(scrolls());
        assertTrue(Fx.call(view::headRows), "narrow and tall: rows of heads, columns of layers");
        List<Bounds> tall = assertWholeGridInside(5, 8);
        double narrow = Fx.call(view::getWidth);
        double thumb = Fx.call(() -> view.thumbSizeProperty().get());
        assertTrue(thumb > (narrow - 100) / 8 + 10, "larger than 8 heads across " + narrow + " px allow: " + thumb);
        double right2 = tall.stream().mapToDouble(Bounds::getMaxX).max().orElseThrow();
        double bottom2 = tall.stream().mapToDouble(Bounds::getMaxY).max().orElseThrow();
        assertTrue(narrow - right2 < 60 || Fx.call(view::getHeight) - bottom2 < 30, "fills the width or the height");
        Fx.run(() -> view.setSelected(new LayerHead(3, 6)));
        assertTrue(highlightedBorderPixels(3, 6) > 60, "the selection is highlighted in rows of heads too");
    }

    @Test
    void thirtyLayersAreVirtualisedAndScroll() throws Exception {
        Fx.run(() -> {
            view.setMaps(SampleData.layerHeadMaps(30, 9, 32));
            stage.setWidth(600);
            stage.setHeight(400);
        });
        awaitRendered();
        int rows = Fx.call(view::materialisedRows);
        assertTrue(rows > 0 && rows < 30, "only the visible layers exist as nodes: " + rows);
        assertTrue(scrolls(), "30 layers cannot fit: they scroll");
        assertFalse(Fx.call(view::headRows));
        Bounds b = bounds(29, 8);
        assertTrue(b.getMaxY() <= Fx.call(view::getHeight), "the last layer scrolls into view: " + b + " in "
                + Fx.call(view::getHeight));
        Node thumb = Fx.call(() -> view.thumbnail(29, 8));
        assertEquals(new LayerHead(29, 8), thumb.getUserData());
    }
}
