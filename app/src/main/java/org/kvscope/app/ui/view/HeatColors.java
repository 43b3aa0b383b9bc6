package org.kvscope.app.ui.view;

import javafx.scene.paint.Color;

/** A perceptually ordered dark-to-bright colour ramp for attention weights in [0, 1]. */
final class HeatColors {
    private static final Color[] STOPS = {
        Color.rgb(13, 8, 135), Color.rgb(84, 2, 163), Color.rgb(139, 10, 165), Color.rgb(185, 50, 137),
        Color.rgb(219, 92, 104), Color.rgb(244, 136, 73), Color.rgb(254, 188, 43), Color.rgb(240, 249, 33)
    };
    private static final int[] LUT = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            double t = i / 255.0 * (STOPS.length - 1);
            int k = Math.min((int) t, STOPS.length - 2);
            Color c = STOPS[k].interpolate(STOPS[k + 1], t - k);
            LUT[i] = 0xff000000 | ((int) (c.getRed() * 255) << 16) | ((int) (c.getGreen() * 255) << 8)
                    | (int) (c.getBlue() * 255);
        }
    }

    private HeatColors() {}

    /** ARGB of value {@code t} in [0, 1] (clamped). */
    static int argb(double t) {
        int i = (int) Math.round(Math.max(0, Math.min(1, t)) * 255);
        return LUT[i];
    }

    /** Scales a weight to [0, 1]: linear against {@code max}, or log over four decades below it. */
    static double scale(float w, float max, boolean log) {
        if (max <= 0 || w <= 0) {
            return 0;
        }
        if (!log) {
            return w / max;
        }
        double decades = 4;
        return Math.max(0, 1 + Math.log10(w / max) / decades);
    }
}
