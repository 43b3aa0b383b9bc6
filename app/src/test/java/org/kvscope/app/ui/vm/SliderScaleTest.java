package org.kvscope.app.ui.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.kvscope.kv.BudgetParameters;
import org.kvscope.kv.CakePolicy;
import org.kvscope.kv.ParameterSpec;
import org.junit.jupiter.api.Test;

/** Which parameters get a log-scale slider, where their defaults sit on the track, and the round trip. */
class SliderScaleTest {
    private static ParameterSpec spec(List<ParameterSpec> specs, String name) {
        return specs.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void wideRangesMoveOnALogTrackAndNarrowOnesLinearly() {
        List<ParameterSpec> budget = BudgetParameters.specs("pyramid");
        List<ParameterSpec> cake = CakePolicy.specs();
        SliderScale k = SliderScale.of(spec(budget, "budget"), 2048);
        assertTrue(k.log(), "budget 1..context");
        assertEquals(2048, k.max(), 0.0, "integer ranges stop at the context length");
        assertEquals(0.545, k.position(64), 0.001, "budget 64 of 1..2048 past the middle, not at 3%");
        SliderScale beta = SliderScale.of(spec(budget, "beta"), 2048);
        assertTrue(beta.log());
        assertEquals(0.434, beta.position(20), 0.001);
        SliderScale gamma = SliderScale.of(spec(cake, "gamma"), 2048);
        assertTrue(gamma.log(), "CAKE's γ over 0..10000 (default 200) is wide although it starts at 0");
        assertEquals(0.576, gamma.position(200), 0.001);
        assertTrue(SliderScale.of(spec(cake, "tau1"), 2048).log(), "τ₁ over 0.01..100");
        assertFalse(SliderScale.of(spec(budget, "exponent"), 2048).log(), "decay exponent 0..10");
        assertFalse(SliderScale.of(spec(budget, BudgetParameters.RATIO), 2048).log(), "budget ratio 0..1");
        assertFalse(SliderScale.of(spec(cake, "kernel"), 2048).log(), "pooling kernel 1..63");
    }

    @Test
    void valuesRoundTripThroughTheTrackAndRound() {
        SliderScale gamma = SliderScale.of(spec(CakePolicy.specs(), "gamma"), 512);
        for (double v : new double[] {0, 0.5, 7.25, 200, 9999}) {
            assertEquals(v, gamma.value(gamma.position(v)).doubleValue(), Math.max(1e-9, v * 0.005), "γ = " + v);
        }
        assertEquals(0.0, gamma.value(0).doubleValue(), 0.0);
        assertEquals(10_000.0, gamma.value(1).doubleValue(), 0.0);
        SliderScale k = SliderScale.of(spec(BudgetParameters.specs("uniform"), "budget"), 512);
        for (int v : new int[] {1, 2, 63, 64, 65, 511, 512}) {
            assertEquals(v, k.value(k.position(v)));
        }
        assertEquals(512, k.value(2), "positions past the end clamp");
        assertEquals(1.0, k.position(100_000), 0.0);
    }
}
