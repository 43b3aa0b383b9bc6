package org.kvscope.kv;

import org.kvscope.trace.WindowScoring;

/**
 * A policy that passes every question and decision on to another; a subclass overrides what it
 * watches or times (the eviction timeline's recorder, bench-policies' selection timer). Every
 * overridable method of {@link CompressionPolicy} is forwarded, so the wrapped policy gets the
 * same evidence, extra passes and checks as on its own.
 */
public class ForwardingPolicy extends CompressionPolicy {
    private final CompressionPolicy delegate;

    public ForwardingPolicy(CompressionPolicy delegate) {
        super(delegate.parameters());
        this.delegate = delegate;
    }

    /** The wrapped policy. */
    public final CompressionPolicy delegate() { return delegate; }

    @Override public String name() { return delegate.name(); }
    @Override public int evidenceWindow() { return delegate.evidenceWindow(); }
    @Override public boolean needsAccumulatedAttention() { return delegate.needsAccumulatedAttention(); }
    @Override public boolean needsWindowMoments() { return delegate.needsWindowMoments(); }
    @Override public boolean needsKeyNorms() { return delegate.needsKeyNorms(); }
    @Override public boolean needsContextReconstruction() { return delegate.needsContextReconstruction(); }
    @Override public boolean needsRetrievalScores() { return delegate.needsRetrievalScores(); }
    @Override public WindowScoring windowScoring() { return delegate.windowScoring(); }
    @Override public void validateFor(int contextLength) { delegate.validateFor(contextLength); }
    @Override public boolean warmsUpSelection() { return delegate.warmsUpSelection(); }
    @Override public KeptPositions selectAfterPrefill(PrefillContext ctx) { return delegate.selectAfterPrefill(ctx); }
    @Override public boolean needsDecodeAttention() { return delegate.needsDecodeAttention(); }
    @Override public int[][][] onDecodeStep(DecodeContext ctx) { return delegate.onDecodeStep(ctx); }
    @Override public boolean actsDuringDecode() { return delegate.actsDuringDecode(); }
    @Override public DecodeWindows decodeWindows(int layers, int kvHeads) { return delegate.decodeWindows(layers, kvHeads); }
    @Override public PrefillPruner prefillPruner(PrefillContext ctx) { return delegate.prefillPruner(ctx); }
    @Override public void prepareSelection(PrefillContext ctx) { delegate.prepareSelection(ctx); }
    @Override public long keptEntryLimit(PrefillContext ctx) { return delegate.keptEntryLimit(ctx); }
    @Override public int[] layerBudgets(PrefillContext ctx) { return delegate.layerBudgets(ctx); }
}
