package org.kvscope.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ColorScalesTest {

    @Test
    void linearAndLogMapping() {
        assertEquals(0.25, ColorScales.normalize(0.25, 0, 1, ColorScales.Mapping.LINEAR), 1e-12);
        assertEquals(1.0, ColorScales.normalize(7, 0, 1, ColorScales.Mapping.LINEAR), 1e-12);
        assertEquals(0.75, ColorScales.normalize(0.1, 0, 1, ColorScales.Mapping.LOG), 1e-12,
                "1e-1 is three quarters up a four-decade range");
        assertEquals(0.5, ColorScales.normalize(0.01, 0, 1, ColorScales.Mapping.LOG), 1e-12);
        assertEquals(0.0, ColorScales.normalize(1e-9, 0, 1, ColorScales.Mapping.LOG), 1e-12);
        assertEquals(0.5, ColorScales.normalize(10, 1, 100, ColorScales.Mapping.LOG), 1e-12, "data min above floor");
        assertTrue(Double.isNaN(ColorScales.normalize(Double.NaN, 0, 1, ColorScales.Mapping.LINEAR)));
    }

    @Test
    void viridisLikeScaleGetsMonotonicallyBrighter() {
        double previous = -1;
        for (int i = 0; i < ColorScale.SIZE; i += 8) {
            double b = Fx.brightness(ColorScales.VIRIDIS.argbAt(i / 255.0));
            assertTrue(b > previous, "brightness rises at " + i);
            previous = b;
        }
        assertEquals(0xFF440154, ColorScales.VIRIDIS.argbAt(0));
        assertEquals(ColorScales.VIRIDIS.argbAt(0), ColorScales.VIRIDIS.argbAt(Double.NaN));
    }

    @Test
    void anchorsAreValidated() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ColorScale.interpolate("bad", new double[][] {{0, 0, 0}, {0, 2, 0}}));
        assertEquals("anchor components must be in 0..1 but got 2.0", e.getMessage());
        assertEquals("#3b6fb6", ColorScales.css(ColorScales.categorical(8)));
    }
}
