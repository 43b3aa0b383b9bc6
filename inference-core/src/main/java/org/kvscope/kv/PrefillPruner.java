package org.kvscope.kv;

/**
 * Lets a policy shrink the set of tokens that deeper layers compute during prefill
 * (PyramidInfer). After each layer the forward pass asks which of the rows it just computed
 * continue to the next layer; their keys/values for the current layer have already been cached.
 */
public interface PrefillPruner {
    /**
     * @param layer          the layer just computed
     * @param rowPositions   positions of the rows computed in this layer, increasing
     * @return indices into {@code rowPositions} (strictly increasing, must include the last row)
     *         that continue to layer + 1, or null to keep all
     */
    int[] rowsForNextLayer(int layer, int[] rowPositions);
}
