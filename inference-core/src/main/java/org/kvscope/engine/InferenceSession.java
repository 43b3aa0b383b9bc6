package org.kvscope.engine;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.kvscope.backend.cpu.CpuForward;
import org.kvscope.kv.ArrayKvCache;
import org.kvscope.kv.KvCache;
import org.kvscope.model.Model;
import org.kvscope.model.ModelConfig;
import org.kvscope.trace.AttentionObserver;

/**
 * One conversation with a model: a KV cache sized for the requested context, prefill of a
 * prompt through batched kernels, and single decode steps. Attention observers see every
 * attention row; with none attached the forward pass skips the hook.
 */
public final class InferenceSession {
    private final Model model;
    private final SessionOptions options;
    private final CpuForward forward;
    private final KvCache cache;
    private final List<AttentionObserver> observers = new CopyOnWriteArrayList<>();
    private int position;

    public InferenceSession(Model model, SessionOptions options) {
        ModelConfig c = model.config();
        if (options.contextLength() > c.contextLength()) {
            throw new IllegalArgumentException("context length " + options.contextLength()
                    + " exceeds the model's trained context of " + c.contextLength() + " tokens");
        }
        this.model = model;
        this.options = options;
        this.forward = new CpuForward(c, model.weights());
        this.cache = new ArrayKvCache(c.layers(), c.kvHeads(), c.headDim(), options.contextLength());
    }

    public Model model() { return model; }

    public KvCache cache() { return cache; }

    /** Number of tokens processed so far (the next token's position). */
    public int position() { return position; }

    public int contextLength() { return options.contextLength(); }

    public void addObserver(AttentionObserver observer) { observers.add(observer); }

    public void removeObserver(AttentionObserver observer) { observers.remove(observer); }

    /** Forgets everything: empty cache, position 0. */
    public void reset() {
        cache.clear();
        position = 0;
    }

    /** Runs the prompt (in chunks of matrix-matrix batches) and returns the last token's logits. */
    public float[] prefill(int[] tokens) {
        requireRoom(tokens.length);
        float[] last = null;
        for (int off = 0; off < tokens.length; off += options.prefillChunk()) {
            int n = Math.min(options.prefillChunk(), tokens.length - off);
            last = forward.forward(tokens, off, n, position, cache, observer());
            position += n;
        }
        return last;
    }

    /**
     * Runs tokens and hands every row's logits to {@code sink} (row = index into {@code tokens});
     * used for teacher-forced perplexity.
     */
    public void prefillAll(int[] tokens, CpuForward.LogitsSink sink) {
        requireRoom(tokens.length);
        for (int off = 0; off < tokens.length; off += options.prefillChunk()) {
            int n = Math.min(options.prefillChunk(), tokens.length - off);
            int base = off;
            forward.forward(tokens, off, n, position, cache, observer(), true,
                    (row, logits, o) -> sink.accept(base + row, logits, o));
            position += n;
        }
    }

    /** Runs one token and returns its logits. */
    public float[] decode(int token) {
        requireRoom(1);
        float[] logits = forward.forward(new int[] {token}, 0, 1, position, cache, observer());
        position++;
        return logits;
    }

    private void requireRoom(int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("nothing to run: empty token list");
        }
        if (position + n > options.contextLength()) {
            throw new ContextOverflowException(position, n, options.contextLength());
        }
    }

    private AttentionObserver observer() {
        int n = observers.size();
        if (n == 0) {
            return null;
        }
        if (n == 1) {
            return observers.get(0);
        }
        List<AttentionObserver> all = List.copyOf(observers);
        return new AttentionObserver() {
            @Override
            public void onAttention(int layer, int head, int q, int[] keys, float[] w, int count) {
                for (AttentionObserver o : all) {
                    o.onAttention(layer, head, q, keys, w, count);
                }
            }

            @Override
            public void onForwardStart(int start, int count) {
                all.forEach(o -> o.onForwardStart(start, count));
            }

            @Override
            public void onForwardEnd(int start, int count) {
                all.forEach(o -> o.onForwardEnd(start, count));
            }
        };
    }
}
