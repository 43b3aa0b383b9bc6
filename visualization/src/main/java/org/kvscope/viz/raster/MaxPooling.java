package org.kvscope.viz.raster;

import java.util.Arrays;
import org.kvscope.viz.data.AttentionMap;

/**
 * Down- (or up-) samples an attention map to a pixel raster, keeping the maximum weight under each pixel so that
 * sharp peaks such as attention sinks survive downsampling. Cost is proportional to
 * {@code max(queries, height) * max(keys, width)}.
 */
public final class MaxPooling {
    private MaxPooling() {
    }

    /** Pools {@code map} to a {@code width} × {@code height} raster. */
    public static PooledGrid pool(AttentionMap map, int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("raster size must be positive but was " + width + "x" + height);
        }
        int qc = map.queryCount();
        int kc = map.keyCount();
        float[] weights = map.weights();
        int[] qPos = map.queryPositions();
        int[] kPos = map.keyPositions();
        int[] colStart = new int[width];
        int[] colEnd = new int[width];
        for (int px = 0; px < width; px++) {
            colStart[px] = Bins.start(px, kc, width);
            colEnd[px] = Bins.end(px, kc, width);
        }
        float[] values = new float[width * height];
        byte[] states = new byte[width * height];
        Arrays.fill(values, Float.NEGATIVE_INFINITY);
        Arrays.fill(states, PooledGrid.CAUSAL);
        for (int py = 0; py < height; py++) {
            int q0 = Bins.start(py, qc, height);
            int q1 = Bins.end(py, qc, height);
            int rowBase = py * width;
            for (int q = q0; q < q1; q++) {
                int queryPosition = qPos[q];
                int cellBase = q * kc;
                for (int px = 0; px < width; px++) {
                    float best = values[rowBase + px];
                    byte state = states[rowBase + px];
                    for (int k = colStart[px], end = colEnd[px]; k < end; k++) {
                        if (kPos[k] > queryPosition) {
                            continue;
                        }
                        float w = weights[cellBase + k];
                        if (w == w) {
                            state = PooledGrid.VALUE;
                            if (w > best) {
                                best = w;
                            }
                        } else if (state == PooledGrid.CAUSAL) {
                            state = PooledGrid.MISSING;
                        }
                    }
                    values[rowBase + px] = best;
                    states[rowBase + px] = state;
                }
            }
        }
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < values.length; i++) {
            if (states[i] == PooledGrid.VALUE) {
                min = Math.min(min, values[i]);
                max = Math.max(max, values[i]);
            }
        }
        if (min > max) {
            min = Double.NaN;
            max = Double.NaN;
        }
        return new PooledGrid(width, height, values, states, min, max);
    }
}
