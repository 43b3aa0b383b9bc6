package org.kvscope.viz.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.chart.XYChart;
import javafx.scene.control.Labeled;
import javafx.scene.layout.Region;
import javafx.scene.layout.StackPane;
import javafx.scene.paint.Color;
import javafx.scene.shape.Path;
import javafx.scene.text.Text;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kvscope.viz.Fx;
import org.kvscope.viz.VizStyle;
import org.kvscope.viz.data.BudgetSchedule;
import org.kvscope.viz.data.KvMemoryGroups;
import org.kvscope.viz.data.KvMemoryUsage;
import org.kvscope.viz.data.LayerBand;
import org.kvscope.viz.data.LayerSeries;
import org.kvscope.viz.data.NeedleGrid;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

/** A/B colours, the colour-blind-safe needle palette, titles that are never cut, the funnelling extras. */
@ExtendWith(ApplicationExtension.class)
class ChartStyleTest {
    private StackPane root;

    @Start
    void start(Stage stage) {
        root = new StackPane();
        Fx.show(stage, root, 600, 400);
    }

    private <T extends Region> T show(T node, double w, double h) {
        Fx.run(() -> {
            node.setMaxSize(w, h);
            node.setPrefSize(w, h);
            root.getChildren().setAll(node);
            root.applyCss();
            root.layout();
        });
        return node;
    }

    /** Machado et al. (2009) deuteranopia simulation, then the RGB distance of the two colours. */
    private static double deuteranopeDistance(Color a, Color b) {
        double[][] m = {{0.367322, 0.860646, -0.227968}, {0.280085, 0.672501, 0.047413},
            {-0.011820, 0.042940, 0.968881}};
        double d = 0;
        for (int i = 0; i < 3; i++) {
            double va = m[i][0] * a.getRed() + m[i][1] * a.getGreen() + m[i][2] * a.getBlue();
            double vb = m[i][0] * b.getRed() + m[i][1] * b.getGreen() + m[i][2] * b.getBlue();
            d += (va - vb) * (va - vb);
        }
        return Math.sqrt(d) * 255;
    }

    private static boolean redOrGreen(Color c) {
        double hue = c.getHue();
        return c.getSaturation() > 0.25 && (hue < 15 || hue > 345 || hue > 90 && hue < 150);
    }

    @Test
    void needlePaletteAndPolicyColoursAreNotRedGreenAndSurviveDeuteranopia() {
        for (Color c : List.of(NeedleGridView.SUCCESS_COLOR, NeedleGridView.FAILURE_COLOR, VizStyle.POLICY_A,
                VizStyle.POLICY_B)) {
            assertFalse(redOrGreen(c), c + " is red or green");
        }
        assertTrue(deuteranopeDistance(NeedleGridView.SUCCESS_COLOR, NeedleGridView.FAILURE_COLOR) > 60,
                "success and failure stay apart for a deuteranope");
        assertTrue(deuteranopeDistance(VizStyle.POLICY_A, VizStyle.POLICY_B) > 100, "A and B stay apart");
        assertTrue(deuteranopeDistance(Color.web("#6cc08b"), Color.web("#e3807a")) < 60,
                "the old green/red pair did not (the check can fail)");
    }

    @Test
    void aAndBKeepTheirColoursWhateverTheSeriesOrder() {
        LayerMetricChart lines = show(new LayerMetricChart("recall", LayerMetricChart.Style.LINE), 400, 300);
        Fx.run(() -> lines.setData("recall", List.of(new LayerSeries("FullKV run", new double[] {1, 1}),
                new LayerSeries("B: h2o", new double[] {0.5, 0.4}), new LayerSeries("A: snapkv", new double[] {0.9, 0.8}))));
        Fx.run(() -> lines.applyCss());
        assertEquals(VizStyle.BASELINE, stroke(lines.chart(), 0));
        assertEquals(VizStyle.POLICY_B, stroke(lines.chart(), 1));
        assertEquals(VizStyle.POLICY_A, stroke(lines.chart(), 2));
        KvMemoryChart memory = show(new KvMemoryChart(), 400, 300);
        KvMemoryUsage a = new KvMemoryUsage(new long[] {100, 50}, new long[] {200, 200});
        KvMemoryUsage b = new KvMemoryUsage(new long[] {150, 150}, new long[] {200, 200});
        Fx.run(() -> memory.setGroups(new KvMemoryGroups(List.of("A: snapkv", "B: streamingllm"), List.of(a, b))));
        Fx.run(() -> memory.applyCss());
        assertEquals(3, Fx.call(() -> memory.chart().getData().size()), "full cache, A and B grouped per layer");
        assertClose(VizStyle.POLICY_A, Fx.call(() -> barFill(memory.chart().getData().get(1))));
        assertClose(VizStyle.POLICY_B, Fx.call(() -> barFill(memory.chart().getData().get(2))));
        assertClose(VizStyle.BASELINE, Fx.call(() -> barFill(memory.chart().getData().get(0))));
        assertTrue(memory.groupsProperty().get().toCsv().startsWith("layer,full_bytes,A: snapkv,B: streamingllm\n0,200,100,150\n"));
    }

    @Test
    void budgetScheduleBarsTakeTheirPolicysColour() {
        BudgetScheduleChart schedule = show(new BudgetScheduleChart(), 300, 220);
        Fx.run(() -> {
            schedule.setSchedule(new BudgetSchedule(new int[] {64, 32}, "pyramid"));
            schedule.applyCss();
        });
        Color neutral = Fx.call(() -> barFill(schedule.chart().getData().getFirst()));
        Fx.run(() -> {
            schedule.setPolicy("B");
            schedule.applyCss();
        });
        assertClose(VizStyle.POLICY_B, Fx.call(() -> barFill(schedule.chart().getData().getFirst())));
        Fx.run(() -> {
            schedule.setPolicy("A");
            schedule.applyCss();
        });
        assertClose(VizStyle.POLICY_A, Fx.call(() -> barFill(schedule.chart().getData().getFirst())));
        assertTrue(VizStyle.role("budget") == VizStyle.Role.OTHER && !neutral.equals(VizStyle.POLICY_A)
                && !neutral.equals(VizStyle.POLICY_B), "no policy named: neither A's nor B's colour, " + neutral);
    }

    private static void assertClose(Color expected, Color actual) {
        double d = Math.abs(expected.getRed() - actual.getRed()) + Math.abs(expected.getGreen() - actual.getGreen())
                + Math.abs(expected.getBlue() - actual.getBlue());
        assertTrue(d < 0.05, "expected " + expected + " but was " + actual);
    }

    private static Color stroke(XYChart<?, ?> chart, int series) {
        return Fx.call(() -> (Color) ((Path) chart.getData().get(series).getNode()).getStroke());
    }

    private static Color barFill(XYChart.Series<String, Number> s) {
        Region bar = (Region) s.getData().getFirst().getNode();
        javafx.scene.paint.Paint fill = bar.getBackground().getFills().getFirst().getFill();
        return fill instanceof javafx.scene.paint.LinearGradient g ? g.getStops().get(2).getColor() : (Color) fill;
    }

    @Test
    void titlesAndAxisLabelsAreNeverCut() {
        NeedleGridView needles = show(new NeedleGridView(), 180, 220);
        Fx.run(() -> needles.setGrid(new NeedleGrid(new int[] {64, 128}, new double[] {0, 1},
                new double[][] {{1, 0.5}, {0, 1}}, new boolean[][] {{true, false}, {false, true}},
                "Policy A: pyramidkv (β = 20, budget 64 tokens)", new int[][] {{3, 4}, {3, 3}})));
        assertNoCutText(needles);
        assertTrue(Fx.call(() -> needles.title().getHeight()) > 30, "the long title wraps onto several lines");
        BudgetScheduleChart schedule = show(new BudgetScheduleChart(), 200, 170);
        Fx.run(() -> schedule.setSchedule(new BudgetSchedule(new int[] {64, 48, 32, 16}, "pyramid")));
        assertNoCutText(schedule);
        KvMemoryChart memory = show(new KvMemoryChart(), 180, 200);
        Fx.run(() -> memory.setData(new KvMemoryUsage(new long[] {1 << 20}, new long[] {4 << 20})));
        assertNoCutText(memory);
    }

    /** Every label's displayed text equals its text (no ellipsis, no clipping). */
    private static void assertNoCutText(Parent view) {
        List<String> cut = Fx.call(() -> {
            view.applyCss();
            view.layout();
            java.util.ArrayList<String> out = new java.util.ArrayList<>();
            for (Node n : view.lookupAll(".label")) {
                if (n instanceof Labeled l && treeVisible(l) && l.getText() != null && !l.getText().isEmpty()) {
                    Node text = l.lookup(".text");
                    String shown = text instanceof Text t ? t.getText() : "";
                    if (!shown.replace("\n", " ").replaceAll("\\s+", " ").strip()
                            .equals(l.getText().replaceAll("\\s+", " ").strip())) {
                        out.add("'" + l.getText() + "' shown as '" + shown + "'");
                    }
                }
            }
            return out;
        });
        assertEquals(List.of(), cut);
    }

    private static boolean treeVisible(Node n) {
        for (Node p = n; p != null; p = p.getParent()) {
            if (!p.isVisible()) {
                return false;
            }
        }
        return true;
    }

    @Test
    void funnellingShowsLnNAndTheSpreadAcrossHeads() {
        FunnellingChart chart = show(new FunnellingChart(), 420, 300);
        Fx.run(() -> {
            chart.setSeries(FunnelMetric.ENTROPY, List.of(new LayerSeries("FullKV run", new double[] {4, 3, 2})));
            chart.setBands(FunnelMetric.ENTROPY, List.of(LayerBand.minMax("FullKV run",
                    new double[][] {{3.5, 4.5}, {2, 4}, {1, 3}})));
            chart.setTokens(300);
        });
        assertEquals(Math.log(300), chart.chart().referenceValue(), 1e-12);
        assertEquals(1, chart.chart().bands().size());
        List<Path> paths = Fx.call(() -> {
            chart.applyCss();
            chart.layout();
            return chart.lookupAll(".layer-band").stream().map(Path.class::cast).toList();
        });
        assertEquals(1, paths.size());
        assertEquals(6, paths.getFirst().getElements().size(), "three layers: upper edge out, lower edge back");
        assertEquals(1, Fx.call(() -> chart.lookupAll(".reference-line").size()));
        assertNotEquals(0, Fx.call(() -> chart.lookupAll(".chart-series-line").size()));
        Fx.run(() -> chart.metricProperty().set(FunnelMetric.SINK_MASS));
        assertTrue(Double.isNaN(chart.chart().referenceValue()), "ln n belongs to the entropy view only");
        assertEquals(new LayerBand("x", new double[] {1, 2}, new double[] {3, 2}).toCsv(),
                "layer,low,high\n0,1,3\n1,2,2\n");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new LayerBand("x", new double[] {2}, new double[] {1}));
        assertEquals("band 'x' has high 1.0 below low 2.0 at layer 0", e.getMessage());
    }
}
