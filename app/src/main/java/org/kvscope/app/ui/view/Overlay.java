package org.kvscope.app.ui.view;

import org.kvscope.kv.KeptPositions;

/** Share of kept positions in each column bin of a downsampled map. */
final class Overlay {
    private Overlay() {}

    static double[] keptFraction(KeptPositions kept, int layer, int kvHead, int tokens, int size) {
        if (kept == null) {
            return null;
        }
        boolean[] mask = kept.mask(layer, kvHead, tokens);
        double[] keptCount = new double[size];
        double[] total = new double[size];
        for (int p = 0; p < tokens; p++) {
            int bin = (int) ((long) p * size / tokens);
            total[bin]++;
            if (mask[p]) {
                keptCount[bin]++;
            }
        }
        for (int b = 0; b < size; b++) {
            keptCount[b] = total[b] == 0 ? 1 : keptCount[b] / total[b];
        }
        return keptCount;
    }
}
