package org.kvscope.metrics;

/**
 * Attention recall rate: the share of a full-cache attention row's mass that falls on the
 * positions a policy keeps. 1.0 means the compressed cache would have seen everything this
 * query attended to.
 */
public final class AttentionRecall {
    private AttentionRecall() {}

    /**
     * @param row  full-cache attention weights over key positions 0..count-1
     * @param kept mask over key positions (positions beyond the mask count as evicted)
     */
    public static double recall(float[] row, int count, boolean[] kept) {
        double total = 0, hit = 0;
        for (int k = 0; k < count; k++) {
            total += row[k];
            if (k < kept.length && kept[k]) {
                hit += row[k];
            }
        }
        return total == 0 ? 1.0 : hit / total;
    }
}
