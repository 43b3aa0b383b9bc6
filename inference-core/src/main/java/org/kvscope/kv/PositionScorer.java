package org.kvscope.kv;

/**
 * A policy that gives every prompt position an importance score per layer and kv-head and keeps
 * by it (higher kept first): what score agreement compares and what a decode-time budget cap
 * evicts by. Every score-based built-in implements it ({@link ScoredPolicy}'s subclasses and
 * {@link KvzipPolicy}); so may a plugin. Implementations are {@link CompressionPolicy}s, whose
 * methods of the same names answer {@link #name}, {@link #parameters}, {@link #evidenceWindow}
 * and {@link #needsContextReconstruction}.
 */
public interface PositionScorer {
    /** Registry name, e.g. "snapkv". */
    String name();

    /** The parameters and values this instance was configured with. */
    PolicyParameters parameters();

    /** Final prompt queries whose exact attention rows the scores need (0 = none). */
    int evidenceWindow();

    /** True when the scores come from KVzip's context-reconstruction pass. */
    boolean needsContextReconstruction();

    /**
     * The score of each prompt position {@code 0..ctx.promptLength()-1} of one (layer, kv-head)
     * after prefill, higher kept first; read it, never change it. Call it before a selection is
     * applied (key-scored policies read the cache).
     *
     * @throws IllegalStateException when the context lacks the evidence the scores need
     */
    float[] positionScores(CompressionPolicy.PrefillContext ctx, int layer, int kvHead);

    /** Positions always kept at the start of the prompt (attention sinks), whatever their score. */
    int alwaysKeptSinks();

    /** Positions always kept at the end of a prompt of {@code promptLength} tokens, whatever their score. */
    int alwaysKeptRecent(int promptLength);

    /**
     * Whether the method keeps every token after the scored prompt (the question, the decoded
     * answer): a decode-time budget cap then ranks them above every prompt position, evicting the
     * lowest-scored prompt entries first and only then the oldest later tokens. False (the
     * default): later tokens rank below every scored prompt position, so outside the recent window
     * the oldest goes first.
     */
    default boolean keepsTokensAfterPrompt() { return false; }
}
