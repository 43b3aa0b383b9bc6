package org.kvscope.viz.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import javafx.geometry.HorizontalDirection;
import javafx.geometry.Point2D;
import javafx.geometry.Rectangle2D;
import javafx.geometry.VerticalDirection;
import javafx.scene.image.WritableImage;
import javafx.scene.input.MouseButton;
import javafx.scene.layout.StackPane;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kvscope.viz.ColorScales;
import org.kvscope.viz.Fx;
import org.kvscope.viz.VizStyle;
import org.kvscope.viz.VizTheme;
import org.kvscope.viz.data.AttentionMap;
import org.kvscope.viz.data.KeptMask;
import org.kvscope.viz.data.LayerHead;
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
        view.fontScaleProperty().unbind();
        stage.setScene(new javafx.scene.Scene(new StackPane(view), 420, 440));
        stage.sizeToScene();
        stage.show();
    }

    /** 4 tokens; row q spreads over keys 0..q. */
    private static AttentionMap small() {
        float[] w = {
            1.00f, 0, 0, 0,
            0.90f, 0.10f, 0, 0,
            0.50f, 0.25f, 0.25f, 0,
            0.0001f, 0.009f, 0.09f, 0.90f};
        return AttentionMap.selfAttention(w, List.of("Lily", "saw", "a", "dog"));
    }

    @Test
    void drawsColoursAndLeavesCausalTriangleEmpty() {
        Fx.run(() -> view.setMap(small()));
        WritableImage img = Fx.renderedSnapshot(view);
        Point2D strongest = Fx.call(() -> view.cellCenter(0, 0));
        Point2D future = Fx.call(() -> view.cellCenter(0, 3));
        assertEquals(ColorScales.VIRIDIS.argbAt(1.0), Fx.argb(img, strongest.getX(), strongest.getY()));
        assertEquals(PooledGrid.CAUSAL_ARGB, Fx.argb(img, future.getX(), future.getY()));
        Point2D weak = Fx.call(() -> view.cellCenter(3, 0));
        assertEquals(ColorScales.VIRIDIS.argbAt(0.0001), Fx.argb(img, weak.getX(), weak.getY()));
    }

    @Test
    void cellsAreSquareAndLetterboxed() {
        Fx.run(() -> view.setMap(small()));
        Point2D a = Fx.call(() -> view.cellCenter(1, 0));
        Point2D right = Fx.call(() -> view.cellCenter(1, 1));
        Point2D below = Fx.call(() -> view.cellCenter(2, 0));
        assertEquals(right.getX() - a.getX(), below.getY() - a.getY(), 1.0, "cell width equals cell height");
        Fx.run(() -> stage.setWidth(900));
        Rectangle2D img = Fx.call(() -> {
            stage.getScene().getRoot().layout();
            return view.imageBounds();
        });
        Rectangle2D area = Fx.call(view::plotArea);
        assertEquals(img.getWidth(), img.getHeight(), 1.0, "a square map stays square in a wide view");
        assertTrue(area.getWidth() > img.getWidth() + 100, "the spare width is left empty, not stretched into");
    }

    @Test
    void logScaleBrightensSmallWeights() {
        Fx.run(() -> view.setMap(small()));
        Point2D weak = Fx.call(() -> view.cellCenter(3, 1));
        Point2D strong = Fx.call(() -> view.cellCenter(0, 0));
        int linear = Fx.argb(Fx.renderedSnapshot(view), weak.getX(), weak.getY());
        int strongLinear = Fx.argb(Fx.renderedSnapshot(view), strong.getX(), strong.getY());
        Fx.run(() -> view.setMapping(ColorScales.Mapping.LOG));
        WritableImage img = Fx.renderedSnapshot(view);
        int log = Fx.argb(img, weak.getX(), weak.getY());
        assertNotEquals(linear, log);
        assertTrue(Fx.brightness(log) > Fx.brightness(linear) + 30, "0.009 rises on a 4-decade log scale");
        assertEquals(strongLinear, Fx.argb(img, strong.getX(), strong.getY()), "the maximum keeps its colour");
    }

    @Test
    void rowNormalisationAndPercentileClippingBrightenTheLinearScale() {
        Fx.run(() -> view.setMap(small()));
        Point2D half = Fx.call(() -> view.cellCenter(2, 0));
        Point2D last = Fx.call(() -> view.cellCenter(3, 3));
        assertEquals(ColorScales.VIRIDIS.argbAt(0.5), Fx.argb(Fx.renderedSnapshot(view), half.getX(), half.getY()));
        Fx.run(() -> view.rowNormalisedProperty().set(true));
        WritableImage norm = Fx.renderedSnapshot(view);
        assertEquals(ColorScales.VIRIDIS.argbAt(1.0), Fx.argb(norm, half.getX(), half.getY()),
                "0.5 is row 2's maximum");
        assertEquals(ColorScales.VIRIDIS.argbAt(1.0), Fx.argb(norm, last.getX(), last.getY()));
        Fx.run(() -> {
            view.rowNormalisedProperty().set(false);
            view.clipPercentileProperty().set(50);
        });
        Fx.awaitRendered(view);
        assertTrue(Fx.call(() -> view.valueScale().hi()) < 0.26, "the median of the 10 weights is 0.25");
        assertEquals(ColorScales.VIRIDIS.argbAt(1.0), Fx.argb(Fx.renderedSnapshot(view), half.getX(), half.getY()),
                "0.5 lies above the 50th percentile and saturates");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Fx.run(() -> view.clipPercentileProperty().set(120)));
        assertEquals("clipping percentile must be in (0, 100] or NaN for none but was 120.0", e.getMessage());
        assertEquals(50, Fx.call(() -> view.clipPercentileProperty().get()), "a refused value changes nothing");
    }

    @Test
    void colourBarShowsTheScaleFromLowToHigh() {
        Fx.run(() -> view.setMap(small()));
        Rectangle2D bar = Fx.call(view::colourBarBounds);
        assertNotNull(bar);
        WritableImage img = Fx.renderedSnapshot(view);
        double x = bar.getMinX() + bar.getWidth() / 2;
        assertTrue(Fx.distance(ColorScales.VIRIDIS.argbAt(1.0), Fx.argb(img, x, bar.getMinY() + 1)) < 20, "top = max");
        assertTrue(Fx.distance(ColorScales.VIRIDIS.argbAt(0.0), Fx.argb(img, x, bar.getMaxY() - 1)) < 20, "bottom = 0");
        int tickText = 0;
        for (int y = (int) bar.getMinY(); y < bar.getMaxY(); y++) {
            for (int dx = 6; dx < 30; dx++) {
                if (Fx.brightness(Fx.argb(img, bar.getMaxX() + dx, y)) < 200) {
                    tickText++;
                }
            }
        }
        assertTrue(tickText > 40, "tick labels are drawn beside the bar: " + tickText);
        assertEquals(List.of(0.0, 0.25, 0.5, 0.75, 1.0), Fx.call(() -> HeatmapAxes.ticks(view.valueScale())));
    }

    @Test
    void keptMaskDimsOnlyEvictedColumns() {
        AttentionMap map = small();
        Fx.run(() -> view.setMap(map));
        Point2D evicted = Fx.call(() -> view.cellCenter(3, 1));
        Point2D kept = Fx.call(() -> view.cellCenter(3, 2));
        WritableImage before = Fx.renderedSnapshot(view);
        Fx.run(() -> view.setKeptMask(new KeptMask(new boolean[] {true, false, true, true})));
        WritableImage after = Fx.renderedSnapshot(view);
        assertTrue(Fx.distance(Fx.argb(before, evicted.getX(), evicted.getY()),
                Fx.argb(after, evicted.getX(), evicted.getY())) > 60, "evicted column is dimmed");
        assertEquals(Fx.argb(before, kept.getX(), kept.getY()), Fx.argb(after, kept.getX(), kept.getY()));
        Rectangle2D strip = Fx.call(view::keptStripBounds);
        double y = strip.getMinY() + strip.getHeight() / 2;
        assertTrue(Fx.distance(Fx.argb(after, kept.getX(), y), argb(VizStyle.POLICY_A)) < 20, "kept key in the strip");
        assertTrue(Fx.distance(Fx.argb(after, evicted.getX(), y), argb(HeatmapAxes.EVICTED_STRIP)) < 20);
        Fx.run(() -> view.setKeptMask(null));
        assertEquals(Fx.argb(before, evicted.getX(), evicted.getY()),
                Fx.argb(Fx.renderedSnapshot(view), evicted.getX(), evicted.getY()), "removing the mask restores pixels");
    }

    @Test
    void successiveMasksDimEachColumnAsTheFirstMaskDid() {
        AttentionMap map = small();
        Fx.run(() -> view.setMap(map));
        Point2D col1 = Fx.call(() -> view.cellCenter(3, 1));
        Point2D col2 = Fx.call(() -> view.cellCenter(3, 2));
        WritableImage plain = Fx.renderedSnapshot(view);
        KeptMask evict1 = new KeptMask(new boolean[] {true, false, true, true});
        KeptMask evict2 = new KeptMask(new boolean[] {true, true, false, true});
        Fx.run(() -> view.setKeptMask(evict1));
        WritableImage first = Fx.renderedSnapshot(view);
        Fx.run(() -> view.setKeptMask(evict2));
        WritableImage second = Fx.renderedSnapshot(view);
        assertEquals(Fx.argb(plain, col1.getX(), col1.getY()), Fx.argb(second, col1.getX(), col1.getY()),
                "a column kept again shows its undimmed colour");
        assertTrue(Fx.distance(Fx.argb(plain, col2.getX(), col2.getY()), Fx.argb(second, col2.getX(), col2.getY())) > 60);
        Fx.run(() -> view.setKeptMask(evict1));
        WritableImage again = Fx.renderedSnapshot(view);
        for (Point2D p : List.of(col1, col2)) {
            assertEquals(Fx.argb(first, p.getX(), p.getY()), Fx.argb(again, p.getX(), p.getY()),
                    "the same mask gives the same pixels from the kept dimmed columns");
        }
    }

    @Test
    void aSingleKeptKeyAmongEvictedOnesShowsKeptInTheStrip() {
        AttentionMap big = SampleData.attention(2048, 4, 2.0, 1);
        boolean[] kept = new boolean[2048];
        kept[1000] = true;
        Fx.run(() -> view.show(big, new KeptMask(kept)));
        Rectangle2D strip = Fx.call(view::keptStripBounds);
        assertTrue(strip.getWidth() < 2048, "more keys than pixels: the map is pooled");
        Point2D keptKey = Fx.call(() -> view.cellCenter(2047, 1000));
        Point2D other = Fx.call(() -> view.cellCenter(2047, 1500));
        WritableImage img = Fx.renderedSnapshot(view);
        double y = strip.getMinY() + strip.getHeight() / 2;
        assertTrue(Fx.distance(Fx.argb(img, keptKey.getX(), y), argb(VizStyle.POLICY_A)) < 20,
                "key 1000 is kept although the other keys of its pixel column are evicted");
        assertTrue(Fx.distance(Fx.argb(img, other.getX(), y), argb(HeatmapAxes.EVICTED_STRIP)) < 20);
        Fx.run(() -> view.keptColorProperty().set(VizStyle.POLICY_B));
        assertTrue(Fx.distance(Fx.argb(Fx.renderedSnapshot(view), keptKey.getX(), y), argb(VizStyle.POLICY_B)) < 20,
                "the strip takes the policy's colour");
    }

    @Test
    void hoverReadOutIsScientificBelowOneThousandthAndNamesHeadAndKeptState(FxRobot robot) {
        Fx.run(() -> {
            view.setMap(small());
            view.headProperty().set(new LayerHead(2, 5));
            view.setKeptMask(new KeptMask(new boolean[] {false, true, true, true}));
        });
        robot.moveTo(Fx.call(() -> view.localToScreen(view.cellCenter(2, 1))));
        assertEquals("L2 H5 · query #2 'a' → key #1 'saw': 0.250 · kept", Fx.call(view::getHoverText));
        robot.moveTo(Fx.call(() -> view.localToScreen(view.cellCenter(3, 0))));
        assertEquals("L2 H5 · query #3 'dog' → key #0 'Lily': 1.00e-04 · evicted", Fx.call(view::getHoverText));
        robot.moveTo(Fx.call(() -> view.localToScreen(view.cellCenter(1, 3))));
        assertEquals("L2 H5 · query #1 'saw' → key #3 'dog': masked (future key) · kept", Fx.call(view::getHoverText));
        robot.moveTo(Fx.call(() -> view.localToScreen(2, 2)));
        assertEquals("", Fx.call(view::getHoverText));
    }

    @Test
    void weightFormatSwitchesToScientificNotation() {
        assertEquals("0.250", WeightFormat.weight(0.25));
        assertEquals("1.00e-03", WeightFormat.weight(0.001 - 1e-12));
        assertEquals("0.001", WeightFormat.weight(0.001));
        assertEquals("3.20e-07", WeightFormat.weight(3.2e-7));
        assertEquals("0", WeightFormat.weight(0));
    }

    @Test
    void hoverTextIsDrawnOnceUnderThePlot(FxRobot robot) {
        Fx.run(() -> view.setMap(small()));
        double textY = Fx.call(() -> view.getHeight() - 10);
        WritableImage before = Fx.renderedSnapshot(view);
        robot.moveTo(Fx.call(() -> view.localToScreen(view.cellCenter(3, 3))));
        WritableImage after = Fx.renderedSnapshot(view);
        int changed = 0;
        for (int x = 0; x < before.getWidth(); x++) {
            for (int y = (int) textY - 5; y <= textY + 5; y++) {
                if (Fx.argb(before, x, y) != Fx.argb(after, x, y)) {
                    changed++;
                }
            }
        }
        assertTrue(changed > 30, "hover label changed " + changed + " pixels");
    }

    @Test
    void wheelZoomsAroundTheCursorAndFitRestoresTheWholeMap(FxRobot robot) {
        AttentionMap map = SampleData.attention(512, 4, 2.0, 1);
        Fx.run(() -> view.setMap(map));
        assertTrue(Fx.call(view::getViewport).fit());
        Point2D target = Fx.call(() -> view.cellCenter(300, 200));
        robot.moveTo(Fx.call(() -> view.localToScreen(target)));
        for (int i = 0; i < 12; i++) {
            Fx.run(() -> view.zoom(1.25, target.getX(), target.getY()));
        }
        AttentionHeatmapView.Viewport zoomed = Fx.call(view::getViewport);
        assertFalse(zoomed.fit());
        assertTrue(zoomed.keyTo() - zoomed.keyFrom() < 100, "fewer keys on screen: " + zoomed);
        assertTrue(zoomed.keyFrom() <= 200 && 200 < zoomed.keyTo(), "the cell under the cursor stays: " + zoomed);
        assertTrue(zoomed.queryFrom() <= 300 && 300 < zoomed.queryTo(), "the cell under the cursor stays: " + zoomed);
        Point2D after = Fx.call(() -> view.cellCenter(300, 200));
        assertEquals(target.getX(), after.getX(), 2 * zoomed.cellSize() + 1, "and stays under the cursor (whole-cell steps)");
        robot.scroll(3, VerticalDirection.DOWN);
        robot.scroll(3, VerticalDirection.UP);
        assertTrue(Fx.call(view::getViewport).cellSize() != zoomed.cellSize(), "the wheel zooms too");
        Fx.run(view::fit);
        AttentionHeatmapView.Viewport fit = Fx.call(view::getViewport);
        assertTrue(fit.fit());
        assertEquals(new AttentionHeatmapView.Viewport(0, 512, 0, 512, fit.cellSize(), true), fit);
        for (int i = 0; i < 60; i++) {
            Fx.run(() -> view.zoom(1.25, target.getX(), target.getY()));
        }
        assertEquals(AttentionHeatmapView.MAX_CELL, Fx.call(view::getViewport).cellSize(), 1e-9,
                "zoom stops at one large cell per token");
        Fx.run(() -> view.zoom(1e-6, 10, 10));
        assertTrue(Fx.call(view::getViewport).fit(), "zooming out stops at the fitted map");
    }

    @Test
    void dragPansAndShowKeysZoomsToARange(FxRobot robot) {
        AttentionMap map = SampleData.attention(256, 4, 2.0, 1);
        Fx.run(() -> {
            view.setMap(map);
            view.showKeys(100, 120);
        });
        AttentionHeatmapView.Viewport v = Fx.call(view::getViewport);
        assertEquals(100, v.keyFrom());
        assertEquals(100, v.queryFrom(), "the diagonal block of those tokens");
        assertTrue(v.keyTo() >= 119 && v.keyTo() <= 121, v.toString());
        Rectangle2D img = Fx.call(view::imageBounds);
        Point2D centre = Fx.call(() -> view.localToScreen(img.getMinX() + img.getWidth() / 2,
                img.getMinY() + img.getHeight() / 2));
        robot.moveTo(centre).press(MouseButton.PRIMARY).moveBy(-5 * v.cellSize(), 0).moveBy(-5 * v.cellSize(), 0)
                .release(MouseButton.PRIMARY);
        AttentionHeatmapView.Viewport panned = Fx.call(view::getViewport);
        assertEquals(110, panned.keyFrom(), 1, "dragging left by 10 cells shows later keys: " + panned);
        assertEquals(100, panned.queryFrom());
        Fx.run(() -> view.pan(-1000, 0));
        assertEquals(0, Fx.call(view::getViewport).keyFrom(), "panning stops at the first key");
        robot.moveTo(centre).doubleClickOn(MouseButton.PRIMARY);
        assertTrue(Fx.call(view::getViewport).fit(), "double-click fits");
        robot.moveBy(0, 0);
        robot.scroll(1, HorizontalDirection.LEFT);
    }

    @Test
    void zoomedInCellsAreLabelledWithTokens() {
        AttentionMap map = SampleData.attention(512, 4, 2.0, 1);
        Fx.run(() -> view.setMap(map));
        Fx.run(() -> view.showKeys(40, 48));
        Rectangle2D img = Fx.call(view::imageBounds);
        Point2D row = Fx.call(() -> view.cellCenter(41, 40));
        WritableImage shot = Fx.renderedSnapshot(view);
        assertTrue(darkPixels(shot, 4, img.getMinX() - 4, row.getY() - 5, row.getY() + 5) > 10,
                "the token of query 41 is written left of its row");
        Rectangle2D strip = Fx.call(view::keptStripBounds);
        Point2D col = Fx.call(() -> view.cellCenter(47, 42));
        assertTrue(darkPixels(shot, col.getX() - 5, col.getX() + 5, strip.getMaxY() + 4, strip.getMaxY() + 40) > 10,
                "the token of key 42 is written under its column");
    }

    /** The key axis's labels are rotated: each label's ink is a column no wider than a line of text and taller than wide. */
    @Test
    void keyAxisLabelsAreRotated() {
        Fx.run(() -> view.setMap(SampleData.attention(512, 4, 2.0, 1)));
        Rectangle2D img = Fx.call(view::imageBounds);
        Rectangle2D strip = Fx.call(view::keptStripBounds);
        double fontPx = Fx.call(() -> VizStyle.labelFont(1).getSize());
        WritableImage shot = Fx.renderedSnapshot(view);
        double top = strip.getMaxY() + 2;
        double bottom = Math.min(shot.getHeight(), top + 3.5 * fontPx); // the labels, not the hint under them
        List<int[]> runs = new java.util.ArrayList<>(); // inked column runs along the axis: {first x, last x}
        for (int x = (int) img.getMinX(); x < img.getMaxX(); x++) {
            if (darkPixels(shot, x, x + 1, top, bottom) > 0) {
                if (runs.isEmpty() || runs.getLast()[1] < x - 1) {
                    runs.add(new int[] {x, x});
                } else {
                    runs.getLast()[1] = x;
                }
            }
        }
        assertTrue(runs.size() >= 3, "several key labels: " + runs.size());
        for (int[] run : runs) {
            int width = run[1] - run[0] + 1;
            int height = 0;
            for (double y = top; y < bottom; y++) {
                height += darkPixels(shot, run[0], run[1] + 1, y, y + 1) > 0 ? 1 : 0;
            }
            assertTrue(width <= fontPx + 3, "a label " + width + " px wide at x " + run[0] + ": not rotated");
            assertTrue(height > width, "a label " + width + " px wide, " + height + " px tall at x " + run[0]
                    + ": not rotated");
        }
    }

    @Test
    void fontScaleEnlargesCanvasText() {
        Fx.run(() -> view.setMap(small()));
        Rectangle2D normal = Fx.call(view::plotArea);
        Fx.run(() -> view.fontScaleProperty().set(2));
        Rectangle2D large = Fx.call(view::plotArea);
        assertEquals(2 * normal.getMinX(), large.getMinX(), 1e-9, "the label margin doubles with the text");
        Fx.run(() -> {
            view.fontScaleProperty().bind(VizStyle.fontScaleProperty());
            VizStyle.fontScaleProperty().set(1.5);
        });
        try {
            assertEquals(1.5 * normal.getMinX(), Fx.call(view::plotArea).getMinX(), 1e-9, "follows the shared scale");
        } finally {
            Fx.run(() -> VizStyle.fontScaleProperty().set(1));
        }
    }

    @Test
    void accessibleTextSummarisesTheMap() {
        Fx.run(() -> {
            view.show(small(), new KeptMask(new boolean[] {true, false, false, true}));
            view.headProperty().set(new LayerHead(1, 3));
        });
        Fx.awaitRendered(view);
        String text = Fx.call(view::getAccessibleText);
        assertTrue(text.startsWith("Attention heatmap, layer 1 head 3: 4 queries by 4 keys"), text);
        assertTrue(text.contains("strongest weight 1.000 from query 'Lily' to key 'Lily'"), text);
        assertTrue(text.contains("keeps 2 of 4 keys"), text);
    }

    @Test
    void sinkMarkerAboveFirstKeys() {
        Fx.run(() -> {
            view.setMap(small());
            view.setSinkCount(1);
        });
        Point2D sinkKey = Fx.call(() -> view.cellCenter(0, 0));
        Point2D other = Fx.call(() -> view.cellCenter(0, 2));
        double y = Fx.call(view::imageBounds).getMinY() - 3;
        WritableImage img = Fx.renderedSnapshot(view);
        assertTrue(Fx.distance(Fx.argb(img, sinkKey.getX(), y), argb(VizStyle.SINK)) < 20);
        assertTrue(Fx.distance(Fx.argb(img, other.getX(), y), argb(VizStyle.SINK)) > 100);
    }

    /** Self-attention over {@code n} tokens, each row uniform over its causal keys. */
    private static AttentionMap uniform(int n) {
        float[] w = new float[n * n];
        List<String> tokens = new java.util.ArrayList<>();
        for (int q = 0; q < n; q++) {
            tokens.add("t" + q);
            for (int k = 0; k <= q; k++) {
                w[q * n + k] = 1f / (q + 1);
            }
        }
        return AttentionMap.selfAttention(w, tokens);
    }

    @Test
    void theSinkLabelGivesWayToTheTitleInANarrowHeatmap() {
        Fx.run(() -> {
            view.queryAxisVisibleProperty().set(false); // as B's heatmap in Compare: the map starts at the left edge
            view.fontScaleProperty().set(17.0 / 12); // presentation mode
            view.setMap(uniform(91));
            view.headProperty().set(new LayerHead(12, 11));
            view.setSinkCount(4);
        });
        AttentionHeatmapView.Captions wide = Fx.call(view::captions);
        assertEquals("sink ×4", wide.sinks(), "room for the whole label at 420 px");
        assertFalse(wide.sinkBounds().intersects(wide.titleBounds()), wide.toString());
        Fx.run(() -> view.sinkLabelLimitProperty().set(AttentionHeatmapView.SinkLabel.COUNT)); // as its Compare partner
        assertEquals("×4", Fx.call(view::captions).sinks(), "the limit shortens the label");
        assertEquals(AttentionHeatmapView.SinkLabel.WORD, Fx.call(() -> view.sinkLabelRoomProperty().get()));
        assertEquals(AttentionHeatmapView.SinkLabel.COUNT, Fx.call(() -> view.sinkLabelProperty().get()));
        Fx.run(() -> view.sinkLabelLimitProperty().set(AttentionHeatmapView.SinkLabel.WORD));
        for (double width : new double[] {260, 200, 150}) { // Compare's B heatmap at 1024×700 in presentation mode
            AttentionHeatmapView.Captions c = Fx.call(() -> {
                view.setMaxWidth(width);
                stage.getScene().getRoot().layout();
                return view.captions();
            });
            assertEquals("L12 H11 · 91 × 91 · linear", c.title());
            assertTrue(c.sinks().isEmpty() || c.titleBounds().getMinX() - c.sinkBounds().getMaxX()
                    >= AttentionHeatmapView.CAPTION_GAP, "at " + width + " px the sink label and the title overlap: " + c);
            if (width == 200) {
                assertNotEquals("sink ×4", c.sinks(), "no room for the whole sink label at 200 px: " + c);
            }
        }
    }

    @Test
    void largeMapIsPooledToPlotSizeAndResizes() {
        AttentionMap big = SampleData.attention(2048, 4, 2.0, 1);
        Fx.run(() -> view.setMap(big));
        Rectangle2D plot = Fx.call(view::imageBounds);
        WritableImage img = Fx.renderedSnapshot(view);
        Point2D first = Fx.call(() -> view.cellCenter(0, 0));
        assertEquals(ColorScales.VIRIDIS.argbAt(1.0), Fx.argb(img, first.getX(), first.getY()),
                "max pooling keeps the weight 1.0 of query 0 although several rows share each pixel");
        Fx.run(() -> stage.setHeight(640));
        Fx.run(() -> stage.setWidth(640));
        Rectangle2D larger = Fx.call(() -> {
            stage.getScene().getRoot().layout();
            return view.imageBounds();
        });
        assertTrue(larger.getWidth() > plot.getWidth() + 100, "image follows the parent's size");
    }

    /** Longest the FX thread may be busy at a stretch while a large map is shown, re-masked and zoomed. */
    static final long LARGE_MAP_STALL_MS = 50;

    @org.junit.jupiter.params.ParameterizedTest(name = "{0} tokens")
    @org.junit.jupiter.params.provider.ValueSource(ints = {2048, 4096})
    void aLargeMapIsPooledOffTheFxThreadAndStillDrawnExactly(int n) throws Exception {
        int hotKept = n / 3;
        int hotEvicted = 3 * n / 4;
        int keptAlone = 7 * n / 8;
        AttentionMap map = uniformWithHotCells(n, new int[][] {{n / 2, hotKept}, {n - 10, hotEvicted}});
        boolean[] kept = new boolean[n];
        java.util.Arrays.fill(kept, 0, n / 2, true);
        kept[keptAlone] = true;
        KeptMask mask = new KeptMask(kept);
        Fx.run(() -> view.setMap(small())); // the drawing code's first use is not what this test measures
        Fx.awaitRendered(view);
        org.kvscope.viz.tools.FxStallWatch watch = org.kvscope.viz.tools.FxStallWatch.start(LARGE_MAP_STALL_MS);
        try {
            Fx.run(() -> view.show(map, mask));
            Fx.awaitRendered(view);
            Fx.run(() -> view.setKeptMask(KeptMask.allKept(n))); // a budget slider's moves
            Fx.run(() -> view.setKeptMask(mask));
            Fx.awaitRendered(view);
            Fx.run(() -> view.zoom(4, 100, 100));
            Fx.run(view::fit);
            Fx.awaitRendered(view);
        } finally {
            watch.close();
        }
        assertTrue(watch.maxCpuNanos() < LARGE_MAP_STALL_MS * 1_000_000, String.format(
                "a %d-token map kept the FX thread busy %.0f ms at a stretch (limit %d ms)", n,
                watch.maxCpuNanos() / 1e6, LARGE_MAP_STALL_MS));
        WritableImage img = Fx.renderedSnapshot(view);
        Rectangle2D strip = Fx.call(view::keptStripBounds);
        assertTrue(strip.getWidth() < n, "more keys than pixels: the map is pooled");
        Point2D keptHot = Fx.call(() -> view.cellCenter(n / 2, hotKept));
        Point2D evictedHot = Fx.call(() -> view.cellCenter(n - 10, hotEvicted));
        assertEquals(ColorScales.VIRIDIS.argbAt(1.0), Fx.argb(img, keptHot.getX(), keptHot.getY()),
                "the hot cell of a kept column keeps the top colour through pooling");
        assertEquals(VizTheme.LIGHT.dim(ColorScales.VIRIDIS.argbAt(1.0), HeatmapRenderer.EVICTED_DIM),
                Fx.argb(img, evictedHot.getX(), evictedHot.getY()), "the hot cell of an evicted column is dimmed");
        double y = strip.getMinY() + strip.getHeight() / 2;
        Point2D alone = Fx.call(() -> view.cellCenter(n - 1, keptAlone));
        assertTrue(Fx.distance(Fx.argb(img, alone.getX(), y), argb(VizStyle.POLICY_A)) < 20,
                "a key kept among evicted ones shows kept in the strip");
        assertTrue(Fx.distance(Fx.argb(img, evictedHot.getX(), y), argb(HeatmapAxes.EVICTED_STRIP)) < 20,
                "an evicted key shows evicted in the strip");
        assertTrue(Fx.distance(Fx.argb(img, keptHot.getX(), y), argb(VizStyle.POLICY_A)) < 20);
    }

    @Test
    void whileANewRasterIsComputedThePreviousOneStaysOnScreen() {
        AttentionMap map = uniformWithHotCells(1024, new int[][] {{700, 300}});
        Fx.run(() -> view.setMap(map));
        WritableImage before = Fx.renderedSnapshot(view);
        Point2D hot = Fx.call(() -> view.cellCenter(700, 300));
        // a change and the snapshot in one FX task: the renderer's answer cannot have arrived yet
        Object[] during = Fx.call(() -> {
            view.rowNormalisedProperty().set(true);
            return new Object[] {view.snapshot(null, null), view.renderedProperty().get()};
        });
        assertFalse((Boolean) during[1], "the new raster is still being computed");
        assertEquals(Fx.argb(before, hot.getX(), hot.getY()), Fx.argb((WritableImage) during[0], hot.getX(), hot.getY()),
                "the previous raster stays on screen, no blank, while the new one is computed");
        int hotColour = Fx.argb(Fx.renderedSnapshot(view), hot.getX(), hot.getY());
        boolean[] kept = new boolean[1024];
        java.util.Arrays.fill(kept, 512, 1024, true);
        Object[] masked = Fx.call(() -> {
            view.setKeptMask(new KeptMask(kept));
            view.layout();
            return new Object[] {view.snapshot(null, null), view.renderedProperty().get()};
        });
        assertTrue((Boolean) masked[1],
                "a new kept mask alone (a budget or policy move) is shown in the same layout, not by the renderer's thread");
        int dimmed = Fx.argb((WritableImage) masked[0], hot.getX(), hot.getY());
        assertEquals(VizTheme.LIGHT.dim(hotColour, HeatmapRenderer.EVICTED_DIM), dimmed, "the evicted hot cell is dimmed");
        Object[] zooming = Fx.call(() -> {
            view.zoom(16, hot.getX(), hot.getY()); // cells of about 4 px
            Point2D moved = view.cellCenter(700, 300);
            return new Object[] {view.snapshot(null, null), moved, view.renderedProperty().get()};
        });
        Point2D moved = (Point2D) zooming[1];
        assertFalse((Boolean) zooming[2]);
        assertEquals(dimmed, Fx.argb((WritableImage) zooming[0], moved.getX(), moved.getY()),
                "while zooming, the previous raster is drawn scaled to the new viewport");
        assertEquals(dimmed, Fx.argb(Fx.renderedSnapshot(view), moved.getX(), moved.getY()));
    }

    /** Each row uniform over its causal keys, with weight 1 at the given {query, key} cells. */
    private static AttentionMap uniformWithHotCells(int n, int[][] hot) {
        float[] w = new float[n * n];
        for (int q = 0; q < n; q++) {
            java.util.Arrays.fill(w, q * n, q * n + q + 1, 1f / (q + 1));
        }
        for (int[] c : hot) {
            w[c[0] * n + c[1]] = 1;
        }
        return AttentionMap.selfAttention(w, AttentionMap.placeholderTokens(n));
    }

    @Test
    void maskMustMatchKeyCount() {
        Fx.run(() -> view.setMap(small()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Fx.run(() -> view.setKeptMask(new KeptMask(new boolean[3]))));
        assertEquals("kept mask covers 3 keys but the attention map has 4 keys", e.getMessage());
    }

    private static int darkPixels(WritableImage img, double x0, double x1, double y0, double y1) {
        int n = 0;
        for (int x = (int) Math.max(0, x0); x < Math.min(img.getWidth(), x1); x++) {
            for (int y = (int) Math.max(0, y0); y < Math.min(img.getHeight(), y1); y++) {
                if (Fx.brightness(Fx.argb(img, x, y)) < 200) {
                    n++;
                }
            }
        }
        return n;
    }

    private static int argb(javafx.scene.paint.Color c) {
        return 0xFF000000 | (int) Math.round(c.getRed() * 255) << 16 | (int) Math.round(c.getGreen() * 255) << 8
                | (int) Math.round(c.getBlue() * 255);
    }
}
