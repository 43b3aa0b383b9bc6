package org.kvscope.app.ui.vm;

import org.kvscope.kv.ParameterSpec;

/**
 * Maps a numeric parameter to a slider position in [0, 1] and back: on a log scale for wide ranges
 * (so β = 20 of 1..1000 sits at 43% of the track, not 2%; a range from 0 moves on log(1 + value), so
 * CAKE's γ = 200 of 0..10000 sits at 58%), linearly otherwise; integers round.
 *
 * @param min     smallest value
 * @param max     largest value (for integers capped at the model's context)
 * @param log     whether the track is logarithmic
 * @param integer whether values are whole numbers
 */
public record SliderScale(double min, double max, boolean log, boolean integer) {

    /** The scale for a spec; integer ranges stop at {@code cap} (the context length) when it is inside them. */
    public static SliderScale of(ParameterSpec spec, int cap) {
        boolean integer = spec.type() == ParameterSpec.Type.INT;
        double max = integer && cap > spec.min() ? Math.min(spec.max(), cap) : spec.max();
        double min = spec.min();
        boolean wide = integer || min <= 0 ? max - min >= 200 : max / min >= 100;
        return new SliderScale(min, Math.max(max, min + (integer ? 1 : 1e-9)), spec.logScale() || wide, integer);
    }

    /** Track position of a value (clamped into the range). */
    public double position(double value) {
        double v = Math.max(min, Math.min(max, value));
        if (!log) {
            return (v - min) / (max - min);
        }
        return min > 0 ? Math.log(v / min) / Math.log(max / min) : Math.log1p(v - min) / Math.log1p(max - min);
    }

    /** Value at a track position, rounded (integers to whole numbers, reals to 3 significant digits). */
    public Number value(double position) {
        double p = Math.max(0, Math.min(1, position));
        double v;
        if (!log) {
            v = min + p * (max - min);
        } else if (min > 0) {
            v = min * Math.exp(p * Math.log(max / min));
        } else {
            v = min + Math.expm1(p * Math.log1p(max - min));
        }
        v = Math.max(min, Math.min(max, v));
        if (integer) {
            return (int) Math.round(v);
        }
        return round3(v);
    }

    private static double round3(double v) {
        if (v == 0) {
            return 0;
        }
        double scale = Math.pow(10, 2 - Math.floor(Math.log10(Math.abs(v))));
        return Math.round(v * scale) / scale;
    }
}
