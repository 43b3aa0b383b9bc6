package org.kvscope.kv;

import java.util.List;

/** Keeps every position: the baseline every other policy is compared against. */
public final class FullKvPolicy extends CompressionPolicy {
    public static final String NAME = "fullkv";

    public FullKvPolicy(PolicyParameters params) {
        super(params);
    }

    public static List<ParameterSpec> specs() { return List.of(); }

    @Override public String name() { return NAME; }

    /** Keeps its selection while decoding. */
    @Override public boolean actsDuringDecode() { return false; }

    @Override
    public KeptPositions selectAfterPrefill(PrefillContext ctx) {
        return KeptPositions.all(ctx.layers(), ctx.kvHeads(), ctx.promptLength());
    }
}
