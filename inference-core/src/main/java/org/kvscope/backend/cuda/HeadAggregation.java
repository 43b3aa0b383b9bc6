package org.kvscope.backend.cuda;

/** How the query heads that share a kv head combine their scores. */
public enum HeadAggregation {
    /** Average over the group. */
    MEAN,
    /** Maximum over the group. */
    MAX
}
