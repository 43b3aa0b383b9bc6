package org.kvscope.viz.data;

/**
 * Address of one attention head.
 *
 * @param layer layer index, &gt;= 0
 * @param head  head index within the layer, &gt;= 0
 */
public record LayerHead(int layer, int head) {

    public LayerHead {
        Checks.nonNegative(layer, "layer");
        Checks.nonNegative(head, "head");
    }
}
