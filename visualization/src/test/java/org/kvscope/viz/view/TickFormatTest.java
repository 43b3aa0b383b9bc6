package org.kvscope.viz.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import javafx.scene.chart.NumberAxis;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kvscope.viz.Fx;
import org.kvscope.viz.data.PerplexityDelta;
import org.kvscope.viz.data.PerplexityDeltas;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

/** Number-axis tick labels: the tick unit's decimals, no floating-point noise, never a negative zero. */
@ExtendWith(ApplicationExtension.class)
class TickFormatTest {
    private Stage stage;

    @Start
    void start(Stage stage) {
        this.stage = stage;
    }

    @Test
    void decimalsFollowTheTickUnit() {
        assertEquals(3, TickFormat.decimals(0.025));
        assertEquals(1, TickFormat.decimals(0.5));
        assertEquals(2, TickFormat.decimals(0.25));
        assertEquals(0, TickFormat.decimals(10));
        assertEquals(0, TickFormat.decimals(1));
        assertEquals(1, TickFormat.decimals(0.1 + 0.2), "0.30000000000000004 is 0.3");
        assertEquals(TickFormat.MAX_DECIMALS, TickFormat.decimals(1.0 / 3));
        assertEquals(3, TickFormat.decimals(0), "no unit: three decimals");
        assertEquals(3, TickFormat.decimals(Double.NaN));
    }

    @Test
    void negativeZeroAndNoiseNeverShow() {
        assertEquals("0.000", TickFormat.format(-1e-17, 0.025));
        assertEquals("0.000", TickFormat.format(-0.0, 0.025));
        assertEquals("0", TickFormat.format(-0.2, 1));
        assertEquals("-0.025", TickFormat.format(-0.025000000000000001, 0.025));
        assertEquals("0.3", TickFormat.format(0.1 + 0.2, 0.1));
        assertEquals("-0.5", TickFormat.format(-0.5, 0.5));
        assertEquals("1200", TickFormat.format(1200.0000001, 200));
        assertEquals("NaN", TickFormat.format(Double.NaN, 0.1));
    }

    @Test
    void theDeltaPerplexityAxisPrintsNoNegativeZero() {
        NumberAxis y = shownDeltaAxis();
        List<String> labels = Fx.call(() -> y.getChildrenUnmodifiable().stream()
                .filter(n -> n instanceof javafx.scene.text.Text && n.isVisible())
                .map(n -> ((javafx.scene.text.Text) n).getText()).toList());
        assertTrue(labels.size() >= 3, labels.toString());
        assertTrue(labels.contains("0.000") || labels.contains("0.00") || labels.contains("0.0"), labels.toString());
        for (String label : labels) {
            assertFalse(label.matches("-0(\\.0*)?"), "negative zero in " + labels);
            assertTrue(label.length() <= 6, "no spurious precision: " + labels);
        }
    }

    @Test
    void theAxisNameNeverOverlapsTheTickLabels() {
        NumberAxis y = shownDeltaAxis();
        javafx.geometry.Bounds name = Fx.call(() -> y.getChildrenUnmodifiable().stream()
                .filter(n -> n instanceof javafx.scene.control.Label).findFirst().orElseThrow().getBoundsInParent());
        List<javafx.geometry.Bounds> ticks = Fx.call(() -> y.getChildrenUnmodifiable().stream()
                .filter(n -> n instanceof javafx.scene.text.Text && n.isVisible())
                .map(javafx.scene.Node::getBoundsInParent).toList());
        assertFalse(ticks.isEmpty());
        for (javafx.geometry.Bounds t : ticks) {
            assertTrue(name.getMaxX() <= t.getMinX() + 0.5, "axis name " + name + " overlaps tick label " + t);
        }
    }

    @Test
    void candidateLabelsCarryTheirOwnDecimals() {
        assertEquals(0, TickFormat.valueDecimals(0));
        assertEquals(3, TickFormat.valueDecimals(-0.025));
        assertEquals(1, TickFormat.valueDecimals(0.1 + 0.2));
    }

    /** The y axis of a Δ perplexity chart shown with one small rise and one small fall. */
    private NumberAxis shownDeltaAxis() {
        PerplexityDeltaChart chart = new PerplexityDeltaChart();
        Fx.show(stage, chart, 600, 400);
        Fx.run(() -> chart.setData(new PerplexityDeltas(List.of(new PerplexityDelta("A: snapkv", 64, 7.248, 7.263),
                new PerplexityDelta("B: streamingllm", 64, 7.248, 7.180)))));
        Fx.snapshot(chart);
        return (NumberAxis) chart.chart().getYAxis();
    }
}
