package org.kvscope.trace;

/**
 * Running per-(layer, head) sums of the funnelling statistics of every attention row seen:
 * entropy, positions covering 90% of the mass, mass on the sink positions, and mass by
 * query–key distance (log-spaced bins). Means are taken over rows.
 */
public final class FunnellingStats {
    private final int layers, heads, sinks;
    private final int[] distanceEdges;
    private final double[][] entropy, positions90, sinkMass;
    private final long[][] rows;
    private final double[][][] distance;
    /** Per query head: a head's rows come from one thread at a time (layers run in turn). */
    private final org.kvscope.metrics.Funnelling.Scratch[] scratch;

    public FunnellingStats(int layers, int heads, int sinks, int maxDistance) {
        this.layers = layers;
        this.heads = heads;
        this.sinks = sinks;
        this.distanceEdges = org.kvscope.metrics.Funnelling.logDistanceEdges(Math.max(2, maxDistance));
        entropy = new double[layers][heads];
        positions90 = new double[layers][heads];
        sinkMass = new double[layers][heads];
        rows = new long[layers][heads];
        distance = new double[layers][heads][distanceEdges.length];
        scratch = new org.kvscope.metrics.Funnelling.Scratch[heads];
        java.util.Arrays.setAll(scratch, h -> new org.kvscope.metrics.Funnelling.Scratch());
    }

    void add(int layer, int head, int queryPosition, int[] keyPositions, float[] weights, int count) {
        entropy[layer][head] += org.kvscope.metrics.Funnelling.entropy(weights, count);
        positions90[layer][head] += org.kvscope.metrics.Funnelling.positionsForMass(weights, count, 0.9, scratch[head]);
        double total = 0, sink = 0;
        for (int s = 0; s < count; s++) {
            total += weights[s];
            if (keyPositions[s] < sinks) {
                sink += weights[s];
            }
        }
        sinkMass[layer][head] += total == 0 ? 0 : sink / total;
        org.kvscope.metrics.Funnelling.addLogDistanceProfile(weights, count, queryPosition, keyPositions,
                distance[layer][head]);
        rows[layer][head]++;
    }

    public int layers() { return layers; }

    public int heads() { return heads; }

    public int sinks() { return sinks; }

    /** Lower edges of the distance bins. */
    public int[] distanceEdges() { return distanceEdges.clone(); }

    /** Mean attention entropy (nats) of a layer over heads and rows. */
    public double entropy(int layer) { return layerMean(entropy, layer); }

    /** Mean number of positions covering 90% of the attention mass. */
    public double positionsFor90(int layer) { return layerMean(positions90, layer); }

    /** Mean share of attention on the sink positions. */
    public double sinkMass(int layer) { return layerMean(sinkMass, layer); }

    public double entropy(int layer, int head) { return mean(entropy, layer, head); }

    public double positionsFor90(int layer, int head) { return mean(positions90, layer, head); }

    public double sinkMass(int layer, int head) { return mean(sinkMass, layer, head); }

    /** Mean attention mass per distance bin for a layer (averaged over heads and rows). */
    public double[] distanceProfile(int layer) {
        double[] out = new double[distanceEdges.length];
        long n = 0;
        for (int h = 0; h < heads; h++) {
            n += rows[layer][h];
            for (int b = 0; b < out.length; b++) {
                out[b] += distance[layer][h][b];
            }
        }
        for (int b = 0; b < out.length; b++) {
            out[b] = n == 0 ? 0 : out[b] / n;
        }
        return out;
    }

    private double mean(double[][] sums, int layer, int head) {
        return rows[layer][head] == 0 ? Double.NaN : sums[layer][head] / rows[layer][head];
    }

    private double layerMean(double[][] sums, int layer) {
        double s = 0;
        long n = 0;
        for (int h = 0; h < heads; h++) {
            s += sums[layer][h];
            n += rows[layer][h];
        }
        return n == 0 ? Double.NaN : s / n;
    }
}
