package org.kvscope.viz.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import javafx.geometry.Point2D;
import javafx.geometry.Rectangle2D;
import javafx.scene.Node;
import javafx.scene.image.WritableImage;
import javafx.scene.layout.Region;
import javafx.scene.layout.StackPane;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kvscope.viz.Fx;
import org.kvscope.viz.VizStyle;
import org.kvscope.viz.VizTheme;
import org.kvscope.viz.data.AttentionMap;
import org.kvscope.viz.data.BandCurve;
import org.kvscope.viz.data.BandCurveSet;
import org.kvscope.viz.data.EvictionGrid;
import org.kvscope.viz.data.KeptMask;
import org.kvscope.viz.data.MeanAttentionRows;
import org.kvscope.viz.data.NeedleGrid;
import org.kvscope.viz.data.TokenWeights;
import org.kvscope.viz.demo.SampleData;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * Every canvas view follows the dark theme (nothing stays light: no white causal triangle, no light needle grid)
 * and the canvas font scale of presentation mode.
 */
@ExtendWith(ApplicationExtension.class)
class CanvasLooksTest {
    private StackPane root;

    @Start
    void start(Stage stage) {
        root = new StackPane();
        Fx.show(stage, root, 520, 360);
    }

    @AfterEach
    void reset() {
        Fx.run(() -> {
            VizTheme.darkProperty().set(false);
            VizStyle.fontScaleProperty().set(1);
        });
    }

    private WritableImage show(Node view) {
        Fx.run(() -> root.getChildren().setAll(view));
        return Fx.renderedSnapshot(view);
    }

    private static int dark(java.util.function.Function<VizTheme.Palette, javafx.scene.paint.Color> colour) {
        return VizTheme.argb(colour.apply(VizTheme.DARK));
    }

    /** 4 tokens, row q spreads over keys 0..q. */
    private static AttentionMap small() {
        float[] w = {1, 0, 0, 0, 0.5f, 0.5f, 0, 0, 0.3f, 0.3f, 0.4f, 0, 0.1f, 0.2f, 0.3f, 0.4f};
        return AttentionMap.selfAttention(w, List.of("a", "b", "c", "d"));
    }

    @Test
    void heatmapCausalTriangleEvictedColumnsAndStripAreDarkInTheDarkTheme() {
        AttentionHeatmapView view = new AttentionHeatmapView();
        Fx.run(() -> {
            view.show(small(), new KeptMask(new boolean[] {true, false, true, true}));
            VizTheme.darkProperty().set(true);
        });
        WritableImage img = show(view);
        Point2D future = Fx.call(() -> view.cellCenter(0, 3));
        assertEquals(dark(VizTheme.Palette::background), Fx.argb(img, future.getX(), future.getY()),
                "the empty causal triangle is the dark background, not white");
        Point2D evicted = Fx.call(() -> view.cellCenter(3, 1));
        assertTrue(Fx.brightness(Fx.argb(img, evicted.getX(), evicted.getY())) < 100,
                "an evicted column is dimmed towards the dark background");
        Rectangle2D strip = Fx.call(view::keptStripBounds);
        assertEquals(dark(VizTheme.Palette::inactive), Fx.argb(img, evicted.getX(), strip.getMinY() + 3),
                "evicted keys in the strip");
        Fx.run(() -> VizTheme.darkProperty().set(false));
        assertEquals(VizTheme.LIGHT.backgroundArgb(), Fx.argb(Fx.renderedSnapshot(view), future.getX(), future.getY()),
                "back to light");
    }

    @Test
    void gridThumbnailsAreRecolouredForTheDarkTheme() {
        HeatmapGridView view = new HeatmapGridView(40);
        Fx.run(() -> view.setMaps(SampleData.layerHeadMaps(1, 2, 32)));
        show(view);
        Fx.run(() -> VizTheme.darkProperty().set(true));
        waitRendered(view);
        Node thumb = Fx.call(() -> view.thumbnail(0, 1));
        WritableImage img = Fx.snapshot(thumb);
        // top-right of a thumbnail is the causal triangle (inside the 2 px selection border)
        assertEquals(dark(VizTheme.Palette::background), Fx.argb(img, img.getWidth() - 5, 4));
    }

    private static void waitRendered(HeatmapGridView view) {
        try {
            WaitForAsyncUtils.waitFor(10, java.util.concurrent.TimeUnit.SECONDS,
                    () -> Fx.call(() -> view.renderedProperty().get()));
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("thumbnails not rendered", e);
        }
        WaitForAsyncUtils.waitForFxEvents();
    }

    private static NeedleGrid needlesWithAGap() {
        double[][] values = {{1, Double.NaN}, {0.5, 0.25}};
        return new NeedleGrid(new int[] {128, 256}, new double[] {0, 1}, values, null, "needles");
    }

    @Test
    void needleGridIsDarkInTheDarkTheme() {
        NeedleGridView view = new NeedleGridView();
        Fx.run(() -> {
            view.setGrid(needlesWithAGap());
            view.setColorBy(NeedleGridView.ColorBy.VALUE);
            VizTheme.darkProperty().set(true);
        });
        WritableImage img = show(view);
        assertEquals(dark(VizTheme.Palette::background), Fx.argb(img, 2, img.getHeight() - 2), "background");
        Rectangle2D gap = Fx.call(() -> view.cellBounds(0, 1));
        assertEquals(dark(VizTheme.Palette::empty), Fx.argb(img, gap.getMinX() + 3, gap.getMinY() + 3), "empty cell");
    }

    @Test
    void meanAttentionRowsTokenFlowAndEvictionTimelineAreDarkInTheDarkTheme() {
        MeanAttentionRowsView rows = new MeanAttentionRowsView();
        TokenFlowView flow = new TokenFlowView();
        EvictionTimelineView timeline = new EvictionTimelineView();
        BandCurveChart curves = new BandCurveChart();
        Fx.run(() -> {
            rows.setData(new MeanAttentionRows(new double[][] {{0.5, Double.NaN}, {1, 0}}, new int[] {0, 1}));
            flow.setData(new TokenWeights(List.of("one", "two"), new double[] {Double.NaN, 1}, -1, null, null, ""));
            timeline.setGrid(timeline());
            curves.setData(bands());
            VizTheme.darkProperty().set(true);
        });
        int background = dark(VizTheme.Palette::background);
        WritableImage img = show(rows);
        Rectangle2D plot = Fx.call(rows::plotArea);
        assertEquals(background, Fx.argb(img, 1, img.getHeight() - 1));
        assertEquals(dark(VizTheme.Palette::empty), Fx.argb(img, plot.getMaxX() - 3, plot.getMinY() + 3),
                "a key without a value");
        img = show(flow);
        Point2D first = Fx.call(() -> flow.sceneToLocal(flow.tokenCentre(0)));
        assertEquals(dark(VizTheme.Palette::empty), Fx.argb(img, first.getX() - 5, first.getY() - 5),
                "a token without a weight");
        assertEquals(background, Fx.argb(img, img.getWidth() - 30, img.getHeight() - 30));
        for (Region view : List.of(timeline, curves)) {
            img = show(view);
            assertEquals(background, Fx.argb(img, img.getWidth() - 2, img.getHeight() - 2), view.toString());
        }
    }

    private static EvictionGrid timeline() {
        double[][] held = {{1, 1, Double.NaN}, {1, 0, 1}};
        double[][] evicted = {{0, 0, 0}, {0, 1, 0}};
        return new EvictionGrid(2, held, evicted, List.of("prefill", "x"), List.of("a", "b", "x"), "all heads");
    }

    private static BandCurveSet bands() {
        double[] b = {16, 32, 64};
        return new BandCurveSet("perplexity", List.of(
                new BandCurve("B: h2o", b, new double[] {3, 2, 1}, new double[] {4, 3, 2}, new double[] {5, 4, 3})),
                Double.NaN, "min–max over prompts");
    }

    @Test
    void bandCurvesTakeTheirColourFromTheName() {
        List<javafx.scene.paint.Color> colours = BandCurveChart.curveColors(new BandCurveSet("x", List.of(
                new BandCurve("B: h2o", new double[] {1}, new double[] {1}, new double[] {1}, new double[] {1}),
                new BandCurve("FullKV", new double[] {1}, new double[] {1}, new double[] {1}, new double[] {1})),
                Double.NaN, ""));
        assertEquals(List.of(VizStyle.POLICY_B, VizStyle.BASELINE), colours, "B stays orange when A has no curve");
    }

    /** Presentation mode's scale reaches the text every canvas view draws. */
    @Test
    void canvasTextFollowsTheFontScale() {
        List<Supplier<Region>> views = List.of(
                () -> {
                    BandCurveChart c = new BandCurveChart();
                    c.setData(bands());
                    return c;
                },
                () -> {
                    EvictionTimelineView v = new EvictionTimelineView();
                    v.setGrid(timeline());
                    return v;
                },
                () -> {
                    TokenFlowView v = new TokenFlowView();
                    v.setData(new TokenWeights(List.of("one", "two"), new double[] {0.2, 1}, -1, null, null, ""));
                    return v;
                },
                () -> {
                    MeanAttentionRowsView v = new MeanAttentionRowsView();
                    v.setData(new MeanAttentionRows(new double[][] {{0.5, 1}, {1, 0}}, new int[] {0, 1}));
                    return v;
                },
                () -> {
                    NeedleGridView v = new NeedleGridView();
                    v.setGrid(needlesWithAGap());
                    return v;
                },
                () -> {
                    AttentionHeatmapView v = new AttentionHeatmapView();
                    v.setMap(small());
                    return v;
                });
        for (Supplier<Region> make : views) {
            Region view = Fx.call(make::get);
            int[] normal = pixels(show(view));
            Fx.run(() -> VizStyle.fontScaleProperty().set(2));
            int[] large = pixels(Fx.renderedSnapshot(view));
            Fx.run(() -> VizStyle.fontScaleProperty().set(1));
            assertNotEquals(Arrays.hashCode(normal), Arrays.hashCode(large),
                    view.getClass().getSimpleName() + " draws the same at font scale 2");
        }
    }

    private static int[] pixels(WritableImage img) {
        int w = (int) img.getWidth();
        int h = (int) img.getHeight();
        int[] out = new int[w * h];
        img.getPixelReader().getPixels(0, 0, w, h, javafx.scene.image.PixelFormat.getIntArgbInstance(), out, 0, w);
        return out;
    }
}
