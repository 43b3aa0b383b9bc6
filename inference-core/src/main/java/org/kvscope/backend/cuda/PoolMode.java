package org.kvscope.backend.cuda;

/** 1-D pooling of importance scores along the cache slots. */
public enum PoolMode {
    /** Window sum with zero padding divided by the kernel size (SnapKV's avg_pool1d). */
    AVG,
    /** Maximum over the part of the window inside the cache. */
    MAX
}
