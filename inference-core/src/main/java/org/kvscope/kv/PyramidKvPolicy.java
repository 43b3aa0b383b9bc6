package org.kvscope.kv;

import java.util.List;

/**
 * PyramidKV: SnapKV's selection with a budget that shrinks arithmetically from the bottom
 * layer to the top ({@link PyramidSchedule}, steepness β): lower layers attend broadly and keep
 * more, upper layers funnel onto few positions and keep less. The total over layers is exactly
 * L·(B − α) selected entries plus the α-window of each layer.
 */
public final class PyramidKvPolicy extends SnapKvPolicy {
    public static final String NAME = "pyramidkv";

    public PyramidKvPolicy(PolicyParameters params) {
        super(params);
    }

    public static List<ParameterSpec> specs() {
        return specs("pyramid");
    }

    @Override public String name() { return NAME; }
}
