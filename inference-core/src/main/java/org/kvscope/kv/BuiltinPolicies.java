package org.kvscope.kv;

import org.kvscope.kv.spi.SimplePolicyProvider;

/**
 * The built-in policies' {@link org.kvscope.kv.spi.PolicyProvider}s, registered through
 * {@code META-INF/services} exactly like a plugin's (the order there is the display order).
 */
public final class BuiltinPolicies {
    private BuiltinPolicies() {}

    public static final class FullKv extends SimplePolicyProvider {
        public FullKv() {
            super(FullKvPolicy.NAME, "keep every position (baseline)", FullKvPolicy::specs, FullKvPolicy::new);
        }
    }

    public static final class StreamingLlm extends SimplePolicyProvider {
        public StreamingLlm() {
            super(StreamingLlmPolicy.NAME, "attention sinks + recent window", StreamingLlmPolicy::specs,
                    StreamingLlmPolicy::new);
        }
    }

    public static final class H2o extends SimplePolicyProvider {
        public H2o() {
            super(H2oPolicy.NAME, "heavy hitters by accumulated attention + recent window", H2oPolicy::specs,
                    H2oPolicy::new);
        }
    }

    public static final class SnapKv extends SimplePolicyProvider {
        public SnapKv() {
            super(SnapKvPolicy.NAME, "observation-window attention, pooled, top-k per kv-head", SnapKvPolicy::specs,
                    SnapKvPolicy::new);
        }
    }

    public static final class PyramidKv extends SimplePolicyProvider {
        public PyramidKv() {
            super(PyramidKvPolicy.NAME, "SnapKV selection with budgets shrinking towards upper layers",
                    PyramidKvPolicy::specs, PyramidKvPolicy::new);
        }
    }

    public static final class PyramidInfer extends SimplePolicyProvider {
        public PyramidInfer() {
            super(PyramidInferPolicy.NAME, "deeper layers compute fewer tokens: pivotal context by recent attention",
                    PyramidInferPolicy::specs, PyramidInferPolicy::new);
        }
    }

    public static final class Tova extends SimplePolicyProvider {
        public Tova() {
            super(TovaPolicy.NAME, "evict what the current query attends to least, at the budget, while decoding",
                    TovaPolicy::specs, TovaPolicy::new);
        }
    }

    public static final class AdaSnapKv extends SimplePolicyProvider {
        public AdaSnapKv() {
            super(AdaKvPolicy.SNAPKV_NAME, "SnapKV scores, one top-k over all kv-heads of a layer (head-wise budgets)",
                    () -> AdaKvPolicy.specs("uniform"), p -> new AdaKvPolicy(AdaKvPolicy.SNAPKV_NAME, p));
        }
    }

    public static final class AdaPyramidKv extends SimplePolicyProvider {
        public AdaPyramidKv() {
            super(AdaKvPolicy.PYRAMIDKV_NAME, "PyramidKV layer budgets, head-wise top-k within each layer (Ada-KV)",
                    () -> AdaKvPolicy.specs("pyramid"), p -> new AdaKvPolicy(AdaKvPolicy.PYRAMIDKV_NAME, p));
        }
    }

    public static final class Cake extends SimplePolicyProvider {
        public Cake() {
            super(CakePolicy.NAME, "layer budgets by attention dispersion (entropy, variance), cascading eviction",
                    CakePolicy::specs, CakePolicy::new);
        }
    }

    public static final class Knorm extends SimplePolicyProvider {
        public Knorm() {
            super(KnormPolicy.NAME, "keep the keys with the lowest L2 norm (attention-free)", KeyScoredPolicy::specs,
                    KnormPolicy::new);
        }
    }

    public static final class KeyDiff extends SimplePolicyProvider {
        public KeyDiff() {
            super(KeyDiffPolicy.NAME, "keep the keys least similar to the mean key direction (attention-free)",
                    KeyScoredPolicy::specs, KeyDiffPolicy::new);
        }
    }

    public static final class Kvzip extends SimplePolicyProvider {
        public Kvzip() {
            super(KvzipPolicy.NAME, "query-agnostic: most attention each position gets while the model repeats its context",
                    KvzipPolicy::specs, KvzipPolicy::new);
        }
    }

    public static final class DuoAttention extends SimplePolicyProvider {
        public DuoAttention() {
            super(DuoAttentionPolicy.NAME, "retrieval heads (by a needle-suite score) keep everything, others sinks + window",
                    DuoAttentionPolicy::specs, DuoAttentionPolicy::new);
        }
    }
}
