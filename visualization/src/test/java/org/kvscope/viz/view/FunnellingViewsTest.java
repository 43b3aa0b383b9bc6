package org.kvscope.viz.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import javafx.geometry.Rectangle2D;
import javafx.scene.image.WritableImage;
import javafx.scene.layout.StackPane;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kvscope.viz.ColorScales;
import org.kvscope.viz.Fx;
import org.kvscope.viz.data.HeadValues;
import org.kvscope.viz.data.MeanAttentionRows;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

/** The PyramidKV mean-attention rows and the per-head chart with sorting. */
@ExtendWith(ApplicationExtension.class)
class FunnellingViewsTest {
    private StackPane root;

    @Start
    void start(Stage stage) {
        root = new StackPane();
        Fx.show(stage, root, 500, 300);
    }

    /** Layer 0 spreads evenly over 4 keys; layer 1 puts almost everything on key 0. */
    private static MeanAttentionRows rows() {
        return new MeanAttentionRows(new double[][] {{0.25, 0.25, 0.25, 0.25}, {0.97, 0.01, 0.01, 0.01}},
                new int[] {0, 1, 2, 3});
    }

    @Test
    void meanAttentionRowsShowBroadLowerAndConcentratedUpperLayers(FxRobot robot) {
        MeanAttentionRowsView view = new MeanAttentionRowsView();
        Fx.run(() -> {
            root.getChildren().setAll(view);
            view.setData(rows());
        });
        Rectangle2D plot = Fx.call(view::plotArea);
        WritableImage img = Fx.snapshot(view);
        double cellW = plot.getWidth() / 4;
        double rowH = plot.getHeight() / 2;
        for (int k = 0; k < 4; k++) {
            assertEquals(ColorScales.VIRIDIS.argbAt(1.0), Fx.argb(img, plot.getMinX() + (k + 0.5) * cellW,
                    plot.getMinY() + 0.5 * rowH), "layer 0 is broad: every key at its row maximum");
        }
        assertEquals(ColorScales.VIRIDIS.argbAt(1.0), Fx.argb(img, plot.getMinX() + 0.5 * cellW,
                plot.getMinY() + 1.5 * rowH));
        assertEquals(ColorScales.VIRIDIS.argbAt(0.01 / 0.97), Fx.argb(img, plot.getMinX() + 2.5 * cellW,
                plot.getMinY() + 1.5 * rowH), "layer 1 is concentrated on key 0");
        String text = Fx.call(view::getAccessibleText);
        assertTrue(text.contains("layer 0 50%, layer 1 25%"), text);
        robot.moveTo(Fx.call(() -> view.localToScreen(plot.getMinX() + 2.5 * cellW, plot.getMinY() + 1.5 * rowH)));
        assertEquals("L1 · key #2: 0.010 (1% of the row's maximum)", Fx.call(() -> view.hoverTextProperty().get()));
        assertTrue(rows().toCsv().startsWith("layer,key_position,mean_attention\n0,0,0.25\n"));
    }

    @Test
    void perHeadValuesSortAndFilterByLayer() {
        HeadValuesChart chart = new HeadValuesChart();
        HeadValues entropy = new HeadValues("entropy (nats)", new double[][] {{2.0, 0.5, 3.0}, {1.0, 4.0, 0.1}});
        Fx.run(() -> {
            root.getChildren().setAll(chart);
            chart.setData(entropy);
        });
        assertEquals(List.of("L0 H0", "L0 H1", "L0 H2", "L1 H0", "L1 H1", "L1 H2"), Fx.call(chart::shownCategories));
        Fx.run(() -> chart.orderProperty().set(HeadValuesChart.Order.ASCENDING));
        assertEquals(List.of("L1 H2", "L0 H1", "L1 H0", "L0 H0", "L0 H2", "L1 H1"), Fx.call(chart::shownCategories));
        Fx.run(() -> {
            chart.orderProperty().set(HeadValuesChart.Order.DESCENDING);
            chart.layerProperty().set(0);
        });
        assertEquals(List.of("L0 H2", "L0 H0", "L0 H1"), Fx.call(chart::shownCategories));
        Fx.run(() -> chart.setData(new HeadValues("entropy (nats)", new double[][] {{1, 2}})));
        assertEquals(List.of("L0 H1", "L0 H0"), Fx.call(chart::shownCategories), "layer 0 still exists: kept");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new HeadValues("x", new double[][] {{1, 2}, {3}}));
        assertEquals("values[1] has length 1 but must have length 2 (the head count of layer 0)", e.getMessage());
    }

    @Test
    void perHeadEntropyShowsTheLnNLineAboveTheBars() {
        HeadValuesChart chart = new HeadValuesChart();
        Fx.run(() -> {
            root.getChildren().setAll(chart);
            chart.setData(new HeadValues("entropy (nats)", new double[][] {{0.5, 1.0}}));
            chart.setReferenceLine(Math.log(64), FunnellingChart.uniformEntropyLabel(64));
        });
        Fx.snapshot(chart);
        assertEquals(Math.log(64), Fx.call(chart::referenceLine), 1e-12);
        assertTrue(Fx.call(() -> ((javafx.scene.chart.NumberAxis) chart.chart().getYAxis()).getUpperBound())
                >= Math.log(64), "the y range reaches ln n although every bar is lower");
        javafx.scene.Node line = Fx.call(() -> chart.lookup(".reference-line"));
        assertTrue(line != null && Fx.call(() -> line.getBoundsInParent().getWidth()) > 100, "the line spans the plot");
        javafx.scene.text.Text label = (javafx.scene.text.Text) Fx.call(() -> chart.lookup(".reference-label"));
        assertEquals("ln n = 4.16 (uniform over n = 64 keys)", label.getText());
        Fx.run(() -> chart.setReferenceLine(Double.NaN, ""));
        assertTrue(Double.isNaN(Fx.call(chart::referenceLine)));
        assertEquals(null, Fx.call(() -> chart.lookup(".reference-line")));
    }

    @Test
    void meanAttentionRowsOutlineTheSelectedLayer() {
        MeanAttentionRowsView view = new MeanAttentionRowsView();
        Fx.run(() -> {
            root.getChildren().setAll(view);
            view.setData(rows());
        });
        Rectangle2D plot = Fx.call(view::plotArea);
        WritableImage before = Fx.snapshot(view);
        Fx.run(() -> view.selectedLayerProperty().set(1));
        WritableImage after = Fx.snapshot(view);
        double y = plot.getMinY() + plot.getHeight() / 2 + 1;
        int highlight = org.kvscope.viz.VizTheme.argb(org.kvscope.viz.VizStyle.HIGHLIGHT);
        assertTrue(Fx.distance(highlight, Fx.argb(after, plot.getMinX() + plot.getWidth() / 2, y)) < 60,
                "layer 1's row is outlined");
        assertTrue(Fx.distance(highlight, Fx.argb(before, plot.getMinX() + plot.getWidth() / 2, y)) > 60);
    }

    @Test
    void aReferenceLineAtTheTopOfThePlotKeepsItsLabelInside() {
        HeadValuesChart chart = new HeadValuesChart();
        Fx.run(() -> {
            root.getChildren().setAll(chart);
            chart.setData(new HeadValues("entropy (nats)", new double[][] {{3.0, 3.5}}));
            javafx.scene.chart.NumberAxis y = (javafx.scene.chart.NumberAxis) chart.chart().getYAxis();
            y.setAutoRanging(false);
            y.setLowerBound(0);
            y.setUpperBound(4);
            chart.setReferenceLine(4, "ln n at the top");
        });
        Fx.snapshot(chart);
        javafx.scene.text.Text label = (javafx.scene.text.Text) Fx.call(() -> chart.lookup(".reference-label"));
        String where = Fx.call(() -> label.getBoundsInParent() + " y " + label.getY() + " line "
                + chart.lookup(".reference-line").getBoundsInParent());
        assertTrue(Fx.call(() -> label.getBoundsInParent().getMinY()) >= 0, "the label is not cut by the top: " + where);
    }

    /** Labels the head axis draws, left to right. */
    private static List<javafx.geometry.Bounds> drawnHeadLabels(HeadValuesChart chart) {
        return Fx.call(() -> chart.headAxis().getChildrenUnmodifiable().stream()
                .filter(n -> n instanceof javafx.scene.text.Text && n.isVisible())
                .map(javafx.scene.Node::getBoundsInParent)
                .sorted(java.util.Comparator.comparingDouble(javafx.geometry.Bounds::getMinX)).toList());
    }

    private static void assertNoOverlap(List<javafx.geometry.Bounds> labels) {
        for (int i = 1; i < labels.size(); i++) {
            assertTrue(labels.get(i).getMinX() >= labels.get(i - 1).getMaxX(), "labels " + (i - 1) + " and " + i
                    + " overlap: " + labels.get(i - 1) + " " + labels.get(i));
        }
    }

    /**
     * Also the FX stall check's case of a SmolLM2-135M-sized model: the chart is shown empty as the workbench builds it
     * at start-up (not counted, as a window's start-up is not), then its 270 heads are set under the check (a bar node
     * each stalled the FX thread 325–350 ms; drawn on one canvas they no longer do).
     */
    @Test
    void headLabelsNeverOverlapAndNoneGoMissingAfterResizes(FxRobot robot) {
        HeadValuesChart chart = new HeadValuesChart();
        double[][] many = new double[30][9]; // SmolLM2-135M: 270 heads
        for (int l = 0; l < many.length; l++) {
            for (int h = 0; h < many[l].length; h++) {
                many[l][h] = (l * 9 + h) % 17 * 0.3;
            }
        }
        org.kvscope.viz.tools.FxStallCheck.startUp(robot, () -> root.getChildren().setAll(chart));
        Fx.run(() -> chart.setData(new HeadValues("entropy (nats)", many)));
        Fx.snapshot(chart);
        List<javafx.geometry.Bounds> all = drawnHeadLabels(chart);
        assertNoOverlap(all);
        assertTrue(all.size() >= 10, "as many of the 270 labels as fit: " + all.size());
        assertTrue(all.size() < 270, "not all 270 fit in 500 px: " + all.size());
        long made = Fx.call(() -> chart.headAxis().getChildrenUnmodifiable().stream()
                .filter(javafx.scene.text.Text.class::isInstance).count());
        assertTrue(made <= all.size() + 2, "a label node only for the labels that fit, not one per head: " + made
                + " made, " + all.size() + " drawn");

        Fx.run(() -> chart.layerProperty().set(3));
        for (double w : new double[] {300, 700, 450, 500}) { // JavaFX's own skipping lost labels on each resize
            Fx.run(() -> root.resize(w, 300));
            Fx.snapshot(chart);
        }
        List<javafx.geometry.Bounds> one = drawnHeadLabels(chart);
        assertNoOverlap(one);
        assertEquals(9, one.size(), "one layer's 9 heads all labelled at 500 px");
        List<String> texts = Fx.call(() -> chart.headAxis().getChildrenUnmodifiable().stream()
                .filter(n -> n instanceof javafx.scene.text.Text && n.isVisible())
                .map(n -> ((javafx.scene.text.Text) n).getText()).sorted().toList());
        assertEquals(List.of("H0", "H1", "H2", "H3", "H4", "H5", "H6", "H7", "H8"), texts, "the layer is in the axis name");
        assertEquals("head (layer 3)", Fx.call(() -> chart.headAxis().getLabel()));
        assertTrue(Fx.call(chart::shownCategories).stream().allMatch(c -> c.startsWith("L3 ")));
    }

    /**
     * The bars (drawn on one canvas) share one tooltip, which names the head and value of the bar under the pointer;
     * the plot's accessible text names the lowest and the highest head.
     */
    @Test
    void eachBarsTooltipNamesItsHeadAndValue(FxRobot robot) {
        HeadValuesChart chart = new HeadValuesChart();
        Fx.run(() -> {
            root.getChildren().setAll(chart);
            chart.setData(new HeadValues("entropy (nats)", new double[][] {{0.5, 1.25}, {2.0, 0.75}}));
        });
        Fx.snapshot(chart);
        List<String> tips = new java.util.ArrayList<>();
        javafx.scene.control.Tooltip tip = Fx.call(() -> (javafx.scene.control.Tooltip) chart.chart().lookup("Canvas")
                .getProperties().get("javafx.scene.control.Tooltip"));
        for (int i = 0; i < 4; i++) {
            int bar = i;
            robot.moveTo(Fx.call(() -> chart.barCentreOnScreen(bar)));
            tips.add(Fx.call(() -> chart.hoverTextProperty().get() + " / " + tip.getText()));
        }
        assertEquals(List.of("L0 H0: 0.500 / L0 H0: 0.500", "L0 H1: 1.250 / L0 H1: 1.250",
                "L1 H0: 2.000 / L1 H0: 2.000", "L1 H1: 0.750 / L1 H1: 0.750"), tips);
        Fx.run(() -> chart.orderProperty().set(HeadValuesChart.Order.DESCENDING));
        robot.moveTo(Fx.call(() -> chart.barCentreOnScreen(0)));
        assertEquals("L1 H0: 2.000", Fx.call(() -> chart.hoverTextProperty().get()), "the highest bar comes first");
        assertEquals("entropy (nats) per head, all layers, 4 heads highest first: lowest L0 H0: 0.500, highest "
                + "L1 H0: 2.000", Fx.call(() -> chart.chart().lookup("Canvas").getAccessibleText()));
    }

    @Test
    void barsAreDrawnFromZeroUpForPositiveAndDownForNegativeValues() {
        HeadValuesChart chart = new HeadValuesChart();
        Fx.run(() -> {
            root.getChildren().setAll(chart);
            chart.setData(new HeadValues("score correlation", new double[][] {{0.8, -0.6, 0.0}}));
        });
        WritableImage img = Fx.snapshot(chart);
        javafx.scene.chart.NumberAxis y = (javafx.scene.chart.NumberAxis) chart.chart().getYAxis();
        double zero = Fx.call(() -> chart.screenToLocal(y.localToScreen(0, y.getDisplayPosition(0))).getY());
        for (int i = 0; i < 2; i++) {
            int bar = i;
            javafx.geometry.Point2D c = Fx.call(() -> chart.screenToLocal(chart.barCentreOnScreen(bar)));
            assertEquals(org.kvscope.viz.VizTheme.argb(HeadBarsPlot.BAR_FILL), Fx.argb(img, c.getX(), c.getY()),
                    "bar " + bar + " is drawn at its centre");
            assertTrue(i == 0 ? c.getY() < zero - 5 : c.getY() > zero + 5, "bar " + bar + " on its side of zero: centre "
                    + c.getY() + ", zero at " + zero);
        }
    }

    @Test
    void barsUnderTheReferenceLineAreGreyWhenMuted() {
        HeadValuesChart chart = new HeadValuesChart();
        Fx.run(() -> {
            root.getChildren().setAll(chart);
            chart.setData(new HeadValues("retrieval score", new double[][] {{0.9, 0.2, 0.6}}));
            chart.setReferenceLine(0.5, "cut-off");
        });
        java.util.function.IntFunction<Integer> fill = bar -> {
            WritableImage img = Fx.snapshot(chart);
            javafx.geometry.Point2D c = Fx.call(() -> chart.screenToLocal(chart.barCentreOnScreen(bar)));
            return Fx.argb(img, c.getX(), c.getY());
        };
        int green = org.kvscope.viz.VizTheme.argb(HeadBarsPlot.BAR_FILL);
        assertEquals(green, fill.apply(1), "not muted: every bar in the bar colour");
        Fx.run(() -> chart.setMutedBelowReference(true));
        assertEquals(green, fill.apply(0), "0.9 is above the line");
        assertEquals(org.kvscope.viz.VizTheme.argb(HeadBarsPlot.MUTED_FILL), fill.apply(1), "0.2 is under it");
        assertEquals(green, fill.apply(2), "0.6 is above the line");
    }

    /** The head labels drawn, with the axis's width: each must lie inside it. */
    private static void assertInsideTheAxis(HeadValuesChart chart, List<javafx.geometry.Bounds> labels) {
        double width = Fx.call(() -> chart.headAxis().getWidth());
        for (javafx.geometry.Bounds b : labels) {
            assertTrue(b.getMinX() >= -1 && b.getMaxX() <= width + 1, "label " + b + " outside the axis (0.." + width + ")");
        }
    }

    @Test
    void choosingOneLayerRelabelsTheAxisAtTheSameSize() {
        HeadValuesChart chart = new HeadValuesChart(); // all layers shown, then one chosen: the axis keeps its length
        double[][] heads = new double[2][4];
        for (int l = 0; l < heads.length; l++) {
            for (int h = 0; h < heads[l].length; h++) {
                heads[l][h] = 0.5 + (l * 3 + h * 5) % 8 * 0.4;
            }
        }
        Fx.run(() -> {
            root.getChildren().setAll(chart);
            chart.setData(new HeadValues("attention entropy (nats)", heads));
        });
        Fx.snapshot(chart);
        assertEquals(8, drawnHeadLabels(chart).size(), "all 8 heads of both layers labelled");
        Fx.run(() -> chart.layerProperty().set(1));
        Fx.snapshot(chart);
        List<javafx.geometry.Bounds> drawn = drawnHeadLabels(chart);
        List<String> texts = Fx.call(() -> chart.headAxis().getChildrenUnmodifiable().stream()
                .filter(n -> n instanceof javafx.scene.text.Text && n.isVisible())
                .map(n -> ((javafx.scene.text.Text) n).getText()).sorted().toList());
        assertEquals(List.of("H0", "H1", "H2", "H3"), texts, "layer 1's heads, not the stale labels of all layers");
        assertNoOverlap(drawn);
        assertInsideTheAxis(chart, drawn);
        Fx.run(() -> chart.orderProperty().set(HeadValuesChart.Order.DESCENDING));
        Fx.snapshot(chart);
        List<String> sorted = Fx.call(() -> chart.headAxis().getChildrenUnmodifiable().stream()
                .filter(n -> n instanceof javafx.scene.text.Text && n.isVisible())
                .sorted(java.util.Comparator.comparingDouble(n -> n.getBoundsInParent().getMinX()))
                .map(n -> ((javafx.scene.text.Text) n).getText()).toList());
        assertEquals(Fx.call(chart::shownCategories).stream().map(c -> c.substring(3)).toList(), sorted,
                "the labels follow the bars when re-sorted");
    }

    @Test
    void aLayerChosenBeforeTheChartIsShownHasAllItsHeadsLabelled() {
        HeadValuesChart chart = new HeadValuesChart(); // as in the workbench: data and layer set while off screen
        double[][] heads = new double[5][8];
        for (int l = 0; l < heads.length; l++) {
            for (int h = 0; h < heads[l].length; h++) {
                heads[l][h] = 1 + (l + h) % 5 * 0.4;
            }
        }
        Fx.run(() -> {
            chart.setData(new HeadValues("entropy (nats)", heads));
            chart.layerProperty().set(2);
            root.getChildren().setAll(chart);
            root.resize(600, 300);
        });
        Fx.snapshot(chart);
        Fx.run(() -> chart.layerProperty().set(1));
        Fx.snapshot(chart);
        List<javafx.geometry.Bounds> drawn = drawnHeadLabels(chart);
        assertNoOverlap(drawn);
        assertEquals(8, drawn.size(), "layer 1's 8 heads all labelled at 600 px");
    }
}
