package org.kvscope.engine;

import org.kvscope.model.Model;
import org.kvscope.model.ModelConfig;
import org.kvscope.trace.AttentionObserver;

/**
 * The attention one prompt token pays and receives in a FullKV prefill, per layer and query head:
 * {@code pays[l][h][k]} is the weight the token (as query) puts on key k ≤ token, and
 * {@code receives[l][h][q]} the weight query q ≥ token puts on it (as key); other entries are 0.
 * Memory: {@code 2 × layers × heads × promptLength} floats.
 *
 * @param token position of the focused token
 */
public record TokenAttention(int token, float[][][] pays, float[][][] receives) {

    public int layers() { return pays.length; }

    public int heads() { return pays[0].length; }

    public int promptLength() { return pays[0][0].length; }

    /** Pays (or receives) per position, for one head, averaged over a layer's heads (head < 0) or everything (layer < 0). */
    public double[] weights(boolean paid, int layer, int head) {
        float[][][] src = paid ? pays : receives;
        double[] out = new double[promptLength()];
        int n = 0;
        for (int l = 0; l < layers(); l++) {
            if (layer >= 0 && l != layer) {
                continue;
            }
            for (int h = 0; h < heads(); h++) {
                if (head >= 0 && layer >= 0 && h != head) {
                    continue;
                }
                float[] row = src[l][h];
                for (int p = 0; p < out.length; p++) {
                    out[p] += row[p];
                }
                n++;
            }
        }
        for (int p = 0; p < out.length; p++) {
            out[p] /= n;
        }
        return out;
    }

    /** Runs a FullKV prefill of {@code prompt} and records what position {@code token} pays and receives. */
    public static TokenAttention record(Model model, int[] prompt, int token) {
        if (token < 0 || token >= prompt.length) {
            throw new IllegalArgumentException("token position must be 0.." + (prompt.length - 1) + ", was " + token);
        }
        ModelConfig c = model.config();
        int n = prompt.length;
        float[][][] pays = new float[c.layers()][c.heads()][n];
        float[][][] receives = new float[c.layers()][c.heads()][n];
        InferenceSession s = new InferenceSession(model, SessionOptions.ofContext(n));
        s.addObserver(new AttentionObserver() {
            @Override
            public void onAttention(int layer, int head, int q, int[] keys, float[] w, int count) {
                if (q == token) {
                    float[] row = pays[layer][head];
                    for (int i = 0; i < count; i++) {
                        row[keys[i]] = w[i];
                    }
                }
                if (q >= token && q < n) {
                    for (int i = 0; i < count; i++) {
                        if (keys[i] == token) {
                            receives[layer][head][q] = w[i];
                            break;
                        }
                    }
                }
            }
        });
        s.prefill(prompt);
        return new TokenAttention(token, pays, receives);
    }
}
