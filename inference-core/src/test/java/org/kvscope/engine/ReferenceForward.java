package org.kvscope.engine;

import org.kvscope.model.LayerWeights;
import org.kvscope.model.ModelConfig;
import org.kvscope.model.ModelWeights;
import org.kvscope.model.RopeLayout;
import org.kvscope.tensor.FloatTensor;

/**
 * Deliberately plain transformer forward pass for tests: one token at a time, element-wise
 * weight reads through {@link FloatTensor#getFloat}, double accumulation everywhere, full cache.
 * Shares no code with the production kernels.
 */
public final class ReferenceForward {
    private final ModelConfig c;
    private final ModelWeights w;
    private final double[][][] keys;   // [layer][pos][kvDim]
    private final double[][][] values;
    private int pos;

    public ReferenceForward(ModelConfig c, ModelWeights w, int context) {
        this.c = c;
        this.w = w;
        keys = new double[c.layers()][context][];
        values = new double[c.layers()][context][];
    }

    public double[] step(int token) {
        return step(token, c.layers());
    }

    /**
     * Runs a token through the first {@code layers} layers only (PyramidInfer's pruned prefill: a
     * token dropped after a layer has no keys or values in the deeper ones, and deeper queries
     * attend to the tokens computed there); returns its logits when it reached the top, else null.
     */
    public double[] step(int token, int layers) {
        int dim = c.dim(), hd = c.headDim();
        double[] x = new double[dim];
        for (int i = 0; i < dim; i++) {
            x[i] = w.tokenEmbedding().getFloat((long) token * dim + i);
        }
        for (int l = 0; l < layers; l++) {
            LayerWeights lw = w.layers()[l];
            double[] xn = rmsnorm(x, lw.attnNorm());
            double[] q = matvec(lw.wq(), xn, c.qDim(), dim, lw.bq());
            double[] k = matvec(lw.wk(), xn, c.kvDim(), dim, lw.bk());
            double[] v = matvec(lw.wv(), xn, c.kvDim(), dim, lw.bv());
            rope(q, c.heads());
            rope(k, c.kvHeads());
            keys[l][pos] = k;
            values[l][pos] = v;
            double[] att = new double[c.qDim()];
            for (int h = 0; h < c.heads(); h++) {
                int kvh = h / (c.heads() / c.kvHeads());
                double[] s = new double[pos + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int t = 0; t <= pos; t++) {
                    if (keys[l][t] == null) { // not computed in this layer: no attention
                        s[t] = Double.NEGATIVE_INFINITY;
                        continue;
                    }
                    double d = 0;
                    for (int i = 0; i < hd; i++) {
                        d += q[h * hd + i] * keys[l][t][kvh * hd + i];
                    }
                    s[t] = d / Math.sqrt(hd);
                    max = Math.max(max, s[t]);
                }
                double sum = 0;
                for (int t = 0; t <= pos; t++) {
                    s[t] = Math.exp(s[t] - max);
                    sum += s[t];
                }
                for (int t = 0; t <= pos; t++) {
                    for (int i = 0; i < hd && values[l][t] != null; i++) {
                        att[h * hd + i] += s[t] / sum * values[l][t][kvh * hd + i];
                    }
                }
            }
            double[] o = matvec(lw.wo(), att, dim, c.qDim(), null);
            for (int i = 0; i < dim; i++) {
                x[i] += o[i];
            }
            xn = rmsnorm(x, lw.ffnNorm());
            double[] g = matvec(lw.gate(), xn, c.ffnDim(), dim, null);
            double[] u = matvec(lw.up(), xn, c.ffnDim(), dim, null);
            for (int i = 0; i < g.length; i++) {
                g[i] = g[i] / (1 + Math.exp(-g[i])) * u[i];
            }
            double[] d = matvec(lw.down(), g, dim, c.ffnDim(), null);
            for (int i = 0; i < dim; i++) {
                x[i] += d[i];
            }
        }
        pos++;
        if (layers < c.layers()) {
            return null;
        }
        double[] xn = rmsnorm(x, w.outputNorm());
        return matvec(w.output(), xn, c.vocabSize(), dim, null);
    }

    private double[] rmsnorm(double[] x, float[] weight) {
        double ss = 0;
        for (double v : x) {
            ss += v * v;
        }
        double inv = 1 / Math.sqrt(ss / x.length + c.rmsEps());
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = weight[i] * x[i] * inv;
        }
        return out;
    }

    private static double[] matvec(FloatTensor m, double[] x, int rows, int cols, float[] bias) {
        double[] out = new double[rows];
        for (int r = 0; r < rows; r++) {
            double s = bias == null ? 0 : bias[r];
            for (int i = 0; i < cols; i++) {
                s += m.getFloat((long) r * cols + i) * x[i];
            }
            out[r] = s;
        }
        return out;
    }

    private void rope(double[] x, int heads) {
        int hd = c.headDim(), pairs = c.ropeDim() / 2;
        float[] factors = c.ropeFrequencyFactors();
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < pairs; i++) {
                double freq = Math.pow(c.ropeTheta(), -2.0 * i / c.ropeDim());
                if (factors != null) {
                    freq /= factors[i];
                }
                double a = pos * freq, cos = Math.cos(a), sin = Math.sin(a);
                int j0, j1;
                if (c.architecture().ropeLayout() == RopeLayout.INTERLEAVED) {
                    j0 = h * hd + 2 * i;
                    j1 = j0 + 1;
                } else {
                    j0 = h * hd + i;
                    j1 = j0 + pairs;
                }
                double x0 = x[j0], x1 = x[j1];
                x[j0] = x0 * cos - x1 * sin;
                x[j1] = x0 * sin + x1 * cos;
            }
        }
    }
}
