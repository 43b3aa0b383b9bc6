package org.kvscope.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class BudgetScheduleTest {

    @Test
    void pyramidMatchesThePaperFormulaAndSumsExactly() {
        // m = 60 (C = 64, alpha = 4), beta = 20, L = 5: top = 3, bottom = 117, step = 28.5
        int[] b = new PyramidSchedule(20).allocate(5, 5L * 60, 1000);
        assertEquals(300, Arrays.stream(b).sum());
        assertEquals(117, b[0], Arrays.toString(b));
        assertEquals(3, b[4], Arrays.toString(b));
        for (int i = 1; i < b.length; i++) {
            assertTrue(b[i] <= b[i - 1], Arrays.toString(b));
        }
        // exact values are 117, 88.5, 60, 31.5, 3: one of the two halves is rounded up
        assertEquals(60, b[2]);
        assertEquals(120, b[1] + b[3]);
        assertTrue((b[1] == 89 && b[3] == 31) || (b[1] == 88 && b[3] == 32), Arrays.toString(b));
    }

    @Test
    void everyScheduleSumsExactlyForManyTotals() {
        List<BudgetSchedule> all = List.of(new UniformSchedule(), new PyramidSchedule(7.3), new PowerLawSchedule(0.7),
                new CosineSchedule(0.2), new CustomSchedule(new int[] {5, 1, 3, 2, 2, 1, 9}));
        for (BudgetSchedule s : all) {
            for (int total = 0; total < 700; total += 13) {
                int[] b = s.allocate(7, total, 100);
                assertEquals(total, Arrays.stream(b).sum(), s.name() + " total " + total);
                assertTrue(Arrays.stream(b).allMatch(v -> v >= 0 && v <= 100), s.name() + Arrays.toString(b));
            }
        }
    }

    @Test
    void capRedistributesExcess() {
        int[] b = new PyramidSchedule(20).allocate(4, 200, 60);
        assertEquals(200, Arrays.stream(b).sum());
        assertTrue(Arrays.stream(b).allMatch(v -> v <= 60), Arrays.toString(b));
        assertThrows(IllegalArgumentException.class, () -> new UniformSchedule().allocate(4, 241, 60));
    }

    @Test
    void shapesDecreaseWithDepth() {
        double[] cos = new CosineSchedule(0.25).shape(5);
        assertEquals(1.0, cos[0], 1e-12);
        assertEquals(0.25, cos[4], 1e-12);
        double[] pow = new PowerLawSchedule(1).shape(4);
        assertArrayEquals(new double[] {1, 0.5, 1.0 / 3, 0.25}, pow, 1e-12);
    }

    @Test
    void badParametersNameThemselves() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new PyramidSchedule(0.5))
                .getMessage().contains("beta"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new CosineSchedule(0))
                .getMessage().contains("min-ratio"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new CustomSchedule(new int[] {1, 2}).shape(3))
                .getMessage().contains("layer-weights"));
    }
}
