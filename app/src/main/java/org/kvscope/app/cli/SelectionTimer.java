package org.kvscope.app.cli;

import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.ForwardingPolicy;
import org.kvscope.kv.KeptPositions;

/**
 * A policy that delegates everything and, after each prefill, runs the delegate's checked
 * selection {@code calls} times on the same context (before anything is applied, so every call
 * sees what the first saw), timing each: the first call of a length pays the JIT's compilation
 * of the scoring code, the best shows what a selection costs once compiled.
 */
final class SelectionTimer extends ForwardingPolicy {
    private final int calls;
    private long firstNanos, bestNanos, extraNanos;

    /** @param calls selections per prefill, at least 1 */
    SelectionTimer(CompressionPolicy delegate, int calls) {
        super(delegate);
        if (calls < 1) {
            throw new IllegalArgumentException("calls must be at least 1, was " + calls);
        }
        this.calls = calls;
    }

    /** The delegate's kept set of the last call; the calls' times are kept for {@link #firstNanos} and the rest. */
    @Override
    public KeptPositions selectAfterPrefill(PrefillContext ctx) {
        KeptPositions kept = null;
        extraNanos = 0;
        for (int i = 0; i < calls; i++) {
            long t0 = System.nanoTime();
            kept = delegate().checkedSelectAfterPrefill(ctx);
            long t = System.nanoTime() - t0;
            if (i == 0) {
                firstNanos = t;
                bestNanos = t;
            } else {
                bestNanos = Math.min(bestNanos, t);
                extraNanos += t;
            }
        }
        return kept;
    }

    /** The first selection call after the last prefill. */
    long firstNanos() { return firstNanos; }

    /** The fastest selection call after the last prefill. */
    long bestNanos() { return bestNanos; }

    /** The calls after the first, together: time the prefill spent beyond one selection. */
    long extraNanos() { return extraNanos; }
}
