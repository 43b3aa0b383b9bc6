package org.kvscope.backend.cpu;

import org.kvscope.model.ModelConfig;
import org.kvscope.model.RopeFrequencies;
import org.kvscope.model.RopeLayout;

/** Applies rotary position embeddings in a model's layout to query/key heads. */
final class Rope {
    private final RopeLayout layout;
    private final int headDim;
    private final int ropeDim;
    private final float[] inverseFrequencies;

    Rope(ModelConfig config) {
        this.layout = config.architecture().ropeLayout();
        this.headDim = config.headDim();
        this.ropeDim = config.ropeDim();
        this.inverseFrequencies = RopeFrequencies.inverseFrequencies(config);
    }

    /** Fills cos/sin tables (length ropeDim/2) for one position. */
    void angles(int position, float[] cos, float[] sin) {
        for (int i = 0; i < inverseFrequencies.length; i++) {
            double a = (double) position * inverseFrequencies[i];
            cos[i] = (float) Math.cos(a);
            sin[i] = (float) Math.sin(a);
        }
    }

    /** Rotates {@code heads} consecutive heads stored at {@code x[offset..]}. */
    void rotate(float[] x, int offset, int heads, float[] cos, float[] sin) {
        int pairs = ropeDim / 2;
        for (int h = 0; h < heads; h++) {
            int base = offset + h * headDim;
            if (layout == RopeLayout.INTERLEAVED) {
                for (int i = 0; i < pairs; i++) {
                    int j = base + 2 * i;
                    float a = x[j], b = x[j + 1];
                    x[j] = a * cos[i] - b * sin[i];
                    x[j + 1] = a * sin[i] + b * cos[i];
                }
            } else {
                for (int i = 0; i < pairs; i++) {
                    int j = base + i;
                    float a = x[j], b = x[j + pairs];
                    x[j] = a * cos[i] - b * sin[i];
                    x[j + pairs] = a * sin[i] + b * cos[i];
                }
            }
        }
    }
}
