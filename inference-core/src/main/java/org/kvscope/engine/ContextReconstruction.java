package org.kvscope.engine;

import java.util.Arrays;
import org.kvscope.backend.BackendFactory;
import org.kvscope.backend.ForwardBackend;
import org.kvscope.kv.KeptPositions;
import org.kvscope.model.Model;
import org.kvscope.model.ModelConfig;
import org.kvscope.tokenizer.Tokenizer;
import org.kvscope.trace.AttentionObserver;

/**
 * KVzip's scoring pass (Kim et al. 2025): after the context is cached, the model is asked to
 * repeat it — a repeat prompt, then the context again as teacher-forced tokens — and every
 * cached position is scored by the most attention any reconstruction query (of any query head
 * of its kv-head) paid it. Long contexts are reconstructed in chunks, as in the paper: chunk
 * {@code i > 0} is introduced by "Repeat the part of the previous context exactly, starting
 * with" and the last {@value #OVERLAP} tokens of chunk {@code i − 1}; each chunk's own entries
 * are dropped from the cache before the next, so the cache ends as it began. Attention is the
 * backend's exact softmax over the whole cached context plus the chunk so far.
 */
public final class ContextReconstruction {
    static final String FIRST_PROMPT = "\n\nRepeat the previous context exactly.";
    static final String NEXT_PROMPT = "\n\nRepeat the part of the previous context exactly, starting with";
    static final String SUFFIX = "\n";
    /** Context tokens per reconstruction chunk (the paper's 2K), fewer when the cache lacks room. */
    public static final int CHUNK = 2048;
    static final int OVERLAP = 8;

    private ContextReconstruction() {}

    /**
     * The scores on a fresh cache: prefills {@code context} (no policy), then reconstructs it.
     *
     * @return per {@code layer * kvHeads + kvHead}, one score per context position
     */
    public static float[][] score(BackendFactory backend, Model model, int[] context) {
        int capacity = capacity(model, context.length);
        try (InferenceSession s = new InferenceSession(model, SessionOptions.ofContext(backend, capacity))) {
            s.prefill(context);
            return s.reconstructionScores(context, capacity);
        }
    }

    /**
     * The cache slots {@link #score} gives a {@code n}-token context: the context, the repeat prompt
     * and one chunk of up to {@value #CHUNK} tokens, at most the model's context. The chunks, and so
     * the scores, follow from it: a session that reconstructs within this many slots scores as {@link #score}.
     */
    static int capacity(Model model, int n) {
        return (int) Math.min(model.config().contextLength(), (long) n + overhead(model.tokenizer()) + Math.min(CHUNK, n));
    }

    /**
     * Reconstructs on a backend whose cache holds exactly {@code context} at positions
     * {@code 0..n-1}, using at most {@code capacity} cache slots; the cache is unchanged after.
     *
     * @throws IllegalArgumentException when the cache has no room for even a one-token chunk
     */
    static float[][] run(ForwardBackend backend, Tokenizer tok, int[] context, int capacity, int feed) {
        ModelConfig c = backend.config();
        int n = context.length;
        int[] first = promptTokens(tok, false), next = promptTokens(tok, true), suffix = promptTokens(tok, SUFFIX);
        int room = capacity - n - (next.length + OVERLAP + suffix.length);
        if (room < 1) {
            throw new IllegalArgumentException("kvzip's reconstruction pass needs room after the prompt: "
                    + n + " tokens leave " + Math.max(0, capacity - n) + " of " + capacity + " cache slots, "
                    + "and the repeat prompt alone takes " + overhead(tok) + "; use a shorter prompt");
        }
        int chunk = Math.min(CHUNK, room);
        MaxAttention max = new MaxAttention(c.layers(), c.heads(), n);
        int[][][] original = KeptPositions.all(c.layers(), c.kvHeads(), n).positions();
        for (int start = 0; start < n; start += chunk) {
            int end = Math.min(n, start + chunk);
            int[] intro = start == 0 ? first
                    : concat(next, Arrays.copyOfRange(context, Math.max(0, start - OVERLAP), start));
            int[] tokens = concat(concat(intro, suffix), Arrays.copyOfRange(context, start, end));
            for (int off = 0; off < tokens.length; off += feed) {
                int len = Math.min(feed, tokens.length - off);
                backend.attend(tokens, off, len, n + off, max); // the attention rows alone: no logits wanted
            }
            backend.keepPositions(original);
        }
        return max.perKvHead(c.kvHeads());
    }

    /**
     * Checks, before any work, that a prompt of {@code promptLength} tokens leaves the model room
     * for the reconstruction pass (the repeat prompt and at least a one-token chunk).
     *
     * @throws IllegalArgumentException naming the longest prompt that fits
     */
    public static void requireRoom(Model model, int promptLength) {
        int capacity = model.config().contextLength(), extra = overhead(model.tokenizer());
        if (capacity - promptLength - extra < 1) {
            throw new IllegalArgumentException("kvzip's reconstruction pass needs room after the prompt: a "
                    + promptLength + "-token prompt leaves " + Math.max(0, capacity - promptLength) + " of the model's "
                    + capacity + " positions and the repeat prompt takes " + extra + "; use prompts of at most "
                    + (capacity - extra - 1) + " tokens");
        }
    }

    /** Cache slots a chunk needs besides its context tokens: the longer repeat prompt, overlap and suffix. */
    static int overhead(Tokenizer tok) {
        return promptTokens(tok, true).length + OVERLAP + promptTokens(tok, SUFFIX).length;
    }

    private static int[] promptTokens(Tokenizer tok, boolean next) {
        return promptTokens(tok, next ? NEXT_PROMPT : FIRST_PROMPT);
    }

    private static int[] promptTokens(Tokenizer tok, String text) {
        return tok.encode(text);
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Per query head, the most attention each context position received (one array per head: no races). */
    private static final class MaxAttention implements AttentionObserver {
        private final int heads, n;
        private final float[][] max;

        MaxAttention(int layers, int heads, int n) {
            this.heads = heads;
            this.n = n;
            this.max = new float[layers * heads][n];
        }

        @Override
        public void onAttention(int layer, int head, int q, int[] keys, float[] w, int count) {
            float[] m = max[layer * heads + head];
            for (int s = 0; s < count; s++) {
                int p = keys[s];
                if (p < n && w[s] > m[p]) {
                    m[p] = w[s];
                }
            }
        }

        float[][] perKvHead(int kvHeads) {
            int layers = max.length / heads, group = heads / kvHeads;
            float[][] out = new float[layers * kvHeads][n];
            for (int l = 0; l < layers; l++) {
                for (int h = 0; h < heads; h++) {
                    float[] src = max[l * heads + h], dst = out[l * kvHeads + h / group];
                    for (int p = 0; p < n; p++) {
                        dst[p] = Math.max(dst[p], src[p]);
                    }
                }
            }
            return out;
        }
    }
}
