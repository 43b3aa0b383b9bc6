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
}
