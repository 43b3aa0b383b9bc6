package org.kvscope.backend.cuda;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Plain scalar Java versions of the kernels, computed in double where it matters, for comparison. */
final class Reference {
    private Reference() {}

    static float[] matmul(float[][] w, float[] x, int batch) {
        int rows = w.length;
        int cols = w[0].length;
        float[] out = new float[batch * rows];
        for (int b = 0; b < batch; b++) {
            for (int r = 0; r < rows; r++) {
                double s = 0;
                for (int c = 0; c < cols; c++) s += (double) w[r][c] * x[b * cols + c];
                out[b * rows + r] = (float) s;
            }
        }
        return out;
    }

    static float[] rmsNorm(float[] x, float[] weight, int batch, int dim, float eps) {
        float[] out = new float[x.length];
        for (int b = 0; b < batch; b++) {
            double ss = 0;
            for (int i = 0; i < dim; i++) ss += (double) x[b * dim + i] * x[b * dim + i];
            double scale = 1 / Math.sqrt(ss / dim + eps);
            for (int i = 0; i < dim; i++) out[b * dim + i] = (float) (x[b * dim + i] * scale * weight[i]);
        }
        return out;
    }

    static float[] rope(float[] vec, int[] positions, int heads, int headDim, int rotDim, boolean neox,
                        double theta, float[] factors) {
        float[] out = vec.clone();
        int half = rotDim / 2;
        for (int b = 0; b < positions.length; b++) {
            for (int h = 0; h < heads; h++) {
                int base = (b * heads + h) * headDim;
                for (int i = 0; i < half; i++) {
                    double freq = Math.pow(theta, -2.0 * i / rotDim) / (factors == null ? 1 : factors[i]);
                    double angle = positions[b] * freq;
                    int i0 = base + (neox ? i : 2 * i);
                    int i1 = base + (neox ? i + half : 2 * i + 1);
                    double a = vec[i0], c = vec[i1];
                    out[i0] = (float) (a * Math.cos(angle) - c * Math.sin(angle));
                    out[i1] = (float) (a * Math.sin(angle) + c * Math.cos(angle));
                }
            }
        }
        return out;
    }

    static float[] softmax(float[] x, int rows, int len) {
        float[] out = new float[x.length];
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < len; i++) max = Math.max(max, x[r * len + i]);
            double sum = 0;
            for (int i = 0; i < len; i++) sum += Math.exp(x[r * len + i] - max);
            for (int i = 0; i < len; i++) out[r * len + i] = (float) (Math.exp(x[r * len + i] - max) / sum);
        }
        return out;
    }

    /** A host copy of one sequence's cache layer. */
    record HostCache(int kvHeads, int capacity, int headDim, float[] keys, float[] values, int[] positions, int[] counts) {}

    /**
     * Attention of one query (all heads) over a host cache: returns out [heads][headDim] and fills
     * weights [heads][stride] when given.
     */
    static float[] attention(float[] q, int qOffset, int heads, HostCache c, int qpos, float scale,
                             float[] weights, int wOffset, int stride) {
        int group = heads / c.kvHeads();
        float[] out = new float[heads * c.headDim()];
        for (int h = 0; h < heads; h++) {
            int g = h / group;
            int n = c.counts()[g];
            double[] s = new double[n];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                int slot = g * c.capacity() + j;
                if (c.positions()[slot] > qpos) {
                    s[j] = Double.NEGATIVE_INFINITY;
                    continue;
                }
                double dot = 0;
                for (int d = 0; d < c.headDim(); d++) {
                    dot += (double) q[qOffset + h * c.headDim() + d] * scale * c.keys()[slot * c.headDim() + d];
                }
                s[j] = dot;
                max = Math.max(max, dot);
            }
            double sum = 0;
            for (int j = 0; j < n; j++) sum += s[j] == Double.NEGATIVE_INFINITY ? 0 : Math.exp(s[j] - max);
            for (int j = 0; j < n; j++) {
                double p = s[j] == Double.NEGATIVE_INFINITY ? 0 : Math.exp(s[j] - max) / sum;
                if (weights != null) weights[wOffset + h * stride + j] = (float) p;
                int slot = g * c.capacity() + j;
                for (int d = 0; d < c.headDim(); d++) {
                    out[h * c.headDim() + d] += (float) (p * c.values()[slot * c.headDim() + d]);
                }
            }
        }
        return out;
    }

    static float[] pool(float[] in, int[] counts, int heads, int group, int stride, int kernel, boolean avg) {
        float[] out = new float[in.length];
        for (int h = 0; h < heads; h++) {
            int n = counts[h / group];
            for (int j = 0; j < n; j++) {
                double v = avg ? 0 : Double.NEGATIVE_INFINITY;
                for (int t = j - kernel / 2; t <= j + kernel / 2; t++) {
                    if (t < 0 || t >= n) continue;
                    v = avg ? v + in[h * stride + t] : Math.max(v, in[h * stride + t]);
                }
                out[h * stride + j] = (float) (avg ? v / kernel : v);
            }
        }
        return out;
    }

    static float[] aggregate(float[] in, int kvHeads, int group, int stride, boolean mean) {
        float[] out = new float[kvHeads * stride];
        for (int g = 0; g < kvHeads; g++) {
            for (int j = 0; j < stride; j++) {
                double v = mean ? 0 : Double.NEGATIVE_INFINITY;
                for (int t = 0; t < group; t++) {
                    float x = in[(g * group + t) * stride + j];
                    v = mean ? v + x : Math.max(v, x);
                }
                out[g * stride + j] = (float) (mean ? v / group : v);
            }
        }
        return out;
    }

    /** Kept slots of one kv head: the protected tail plus the best others, ties to the lower slot, ascending. */
    static int[] topK(float[] scores, int offset, int n, int k, int protectedTail) {
        if (n <= k) {
            int[] all = new int[n];
            for (int i = 0; i < n; i++) all[i] = i;
            return all;
        }
        List<Integer> slots = new ArrayList<>();
        for (int j = 0; j < n; j++) slots.add(j);
        slots.sort(Comparator.<Integer, Boolean>comparing(j -> j < n - protectedTail)
                .thenComparing(j -> -scores[offset + j]).thenComparing(j -> j));
        return slots.subList(0, k).stream().mapToInt(Integer::intValue).sorted().toArray();
    }
}
