package org.kvscope.app.ui.view;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.kvscope.app.eval.NeedleGridRun;
import org.kvscope.app.ui.Workbench;
import org.kvscope.app.ui.vm.BudgetPoint;
import org.kvscope.engine.CaptureRun;
import org.kvscope.kv.KeptPositions;
import org.kvscope.metrics.PolicyAnalysis;
import org.kvscope.tokenizer.Tokenizer;
import org.kvscope.trace.AttentionMaps;
import org.kvscope.trace.FunnellingStats;
import org.kvscope.viz.view.FunnelMetric;
import org.kvscope.viz.data.AttentionMap;
import org.kvscope.viz.data.BudgetCurve;
import org.kvscope.viz.data.KeptMask;
import org.kvscope.viz.data.HeadValues;
import org.kvscope.viz.data.KvMemoryUsage;
import org.kvscope.viz.data.MeanAttentionRows;
import org.kvscope.viz.data.LayerBand;
import org.kvscope.viz.data.LayerHeadMaps;
import org.kvscope.viz.data.NeedleGrid;

/**
 * Turns engine results into the plain records the {@code org.kvscope.viz} views draw. Downsampled
 * maps become {@link AttentionMap}s whose rows carry the last query position of their bin and whose
 * columns carry the first key position, so the causal mask falls where it does in the full map.
 */
public final class VizData {
    private VizData() {}

    /** First prompt position in each of {@code size} bins over {@code tokens} positions. */
    static int[] binStarts(int tokens, int size) {
        int[] out = new int[size];
        for (int b = 0; b < size; b++) {
            out[b] = (int) Math.ceil((double) b * tokens / size);
        }
        return out;
    }

    /** Last prompt position in each bin. */
    static int[] binEnds(int tokens, int size) {
        int[] out = new int[size];
        for (int b = 0; b < size; b++) {
            out[b] = (int) Math.ceil((double) (b + 1) * tokens / size) - 1;
        }
        return out;
    }

    /** The captured prefill map of one head (at token resolution up to the capture's map resolution). */
    public static AttentionMap map(CaptureRun run, Tokenizer tokenizer, int layer, int head) {
        return map(run, binLabels(run, tokenizer), layer, head);
    }

    /** The map of one head with the bins' token labels from {@link #binLabels}. */
    public static AttentionMap map(CaptureRun run, List<String> labels, int layer, int head) {
        AttentionMaps maps = run.capture().maps();
        int s = maps.size();
        int n = maps.tokens();
        return new AttentionMap(s, s, maps.map(layer, head), binEnds(n, s), binStarts(n, s), labels, labels);
    }

    /** Token text of each map bin: the token, or the first token and the bin's size when a bin holds several. */
    public static List<String> binLabels(CaptureRun run, Tokenizer tokenizer) {
        AttentionMaps maps = run.capture().maps();
        int s = maps.size();
        int[] starts = binStarts(maps.tokens(), s);
        int[] ends = binEnds(maps.tokens(), s);
        int[] tokens = run.promptTokens();
        List<String> text = new ArrayList<>(s);
        for (int b = 0; b < s; b++) {
            text.add(label(tokenizer, tokens, starts[b], ends[b]));
        }
        return List.copyOf(text);
    }

    private static String label(Tokenizer tok, int[] tokens, int from, int to) {
        String first = tok.tokenText(tokens[from]);
        return from == to ? first : first + " …(" + (to - from + 1) + ")";
    }

    /** Every captured head map, row-major by layer then head (sharing one label list). */
    public static LayerHeadMaps maps(CaptureRun run, Tokenizer tokenizer) {
        AttentionMaps m = run.capture().maps();
        List<String> labels = binLabels(run, tokenizer);
        List<AttentionMap> all = new ArrayList<>(m.layers() * m.heads());
        for (int l = 0; l < m.layers(); l++) {
            for (int h = 0; h < m.heads(); h++) {
                all.add(map(run, labels, l, h));
            }
        }
        return new LayerHeadMaps(m.layers(), m.heads(), all);
    }

    /**
     * Per key column: kept when any position of the column is kept for this kv-head. At token resolution (the
     * usual case) this is exactly the policy's kept set; a coarser column holding one kept key among evicted ones
     * still shows as kept, so no kept key is ever hidden.
     */
    public static KeptMask keptMask(KeptPositions kept, int layer, int kvHead, int tokens, int size) {
        boolean[] mask = kept.mask(layer, kvHead, tokens);
        if (size == tokens) {
            return new KeptMask(mask);
        }
        int[] starts = binStarts(tokens, size);
        int[] ends = binEnds(tokens, size);
        boolean[] out = new boolean[size];
        for (int b = 0; b < size; b++) {
            for (int p = starts[b]; p <= ends[b] && !out[b]; p++) {
                out[b] = mask[p];
            }
        }
        return new KeptMask(out);
    }

    /** Smallest and largest head of each layer for one funnelling metric (the spread across heads). */
    public static LayerBand headSpread(String name, FunnellingStats f, FunnelMetric metric) {
        return LayerBand.minMax(name, headSpreadValues(f, metric));
    }

    /** Per-head values of one funnelling metric, e.g. every head's attention entropy. */
    public static HeadValues headValues(FunnellingStats f, FunnelMetric metric) {
        return new HeadValues(metric.label(), headSpreadValues(f, metric));
    }

    private static double[][] headSpreadValues(FunnellingStats f, FunnelMetric metric) {
        double[][] v = new double[f.layers()][f.heads()];
        for (int l = 0; l < f.layers(); l++) {
            for (int h = 0; h < f.heads(); h++) {
                v[l][h] = switch (metric) {
                    case ENTROPY -> f.entropy(l, h);
                    case POSITIONS_FOR_90_MASS -> f.positionsFor90(l, h);
                    case SINK_MASS -> f.sinkMass(l, h);
                };
            }
        }
        return v;
    }

    /**
     * The PyramidKV figure's data: per layer and key column, the captured attention averaged over heads and over
     * the query rows that can see the key (max-pooled values where a column holds several tokens).
     */
    public static MeanAttentionRows meanAttentionRows(CaptureRun run) {
        AttentionMaps m = run.capture().maps();
        int s = m.size();
        int[] keyStarts = binStarts(m.tokens(), s);
        int[] queryEnds = binEnds(m.tokens(), s);
        double[][] rows = new double[m.layers()][s];
        for (int l = 0; l < m.layers(); l++) {
            for (int h = 0; h < m.heads(); h++) {
                float[] w = m.map(l, h);
                for (int q = 0; q < s; q++) {
                    for (int k = 0; k < s && keyStarts[k] <= queryEnds[q]; k++) {
                        rows[l][k] += w[q * s + k];
                    }
                }
            }
            for (int k = 0; k < s; k++) {
                int visibleQueries = 0;
                for (int q = 0; q < s; q++) {
                    visibleQueries += keyStarts[k] <= queryEnds[q] ? 1 : 0;
                }
                rows[l][k] /= (double) m.heads() * Math.max(1, visibleQueries);
            }
        }
        return new MeanAttentionRows(rows, keyStarts);
    }

    /** Mean recall by layer. */
    public static double[] recallByLayer(PolicyAnalysis a) {
        double[] r = new double[a.recall().length];
        for (int l = 0; l < r.length; l++) {
            r[l] = a.recall(l);
        }
        return r;
    }

    public static KvMemoryUsage memory(PolicyAnalysis a) {
        return new KvMemoryUsage(a.memory().keptBytesPerLayer().clone(), a.memory().fullBytesPerLayer().clone());
    }

    public static BudgetCurve curve(String name, List<BudgetPoint> points) {
        double[] b = new double[points.size()];
        double[] v = new double[points.size()];
        for (int i = 0; i < b.length; i++) {
            b[i] = points.get(i).budget();
            v[i] = points.get(i).recall();
        }
        return new BudgetCurve(name, b, v);
    }

    /**
     * Needle results as a depth × length grid: values are the share of cases retrieved, success
     * means every case in the cell was retrieved. Null when there are no cases.
     */
    public static NeedleGrid needles(Workbench.NeedleResults results, boolean fullKv, String title) {
        if (results == null || results.cases().isEmpty()) {
            return null;
        }
        TreeSet<Integer> lengths = new TreeSet<>();
        TreeSet<Double> depths = new TreeSet<>();
        Map<String, double[]> cells = new TreeMap<>();
        for (NeedleGridRun.CaseResult c : results.cases()) {
            lengths.add(c.needle().targetTokens());
            depths.add(c.needle().depth());
            double[] cell = cells.computeIfAbsent(c.needle().depth() + "@" + c.needle().targetTokens(), k -> new double[2]);
            cell[0] += (fullKv ? c.fullKv() : c.policy()).success() ? 1 : 0;
            cell[1]++;
        }
        int[] ls = lengths.stream().mapToInt(Integer::intValue).toArray();
        double[] ds = depths.stream().mapToDouble(Double::doubleValue).toArray();
        double[][] values = new double[ds.length][ls.length];
        boolean[][] success = new boolean[ds.length][ls.length];
        int[][] counts = new int[ds.length][ls.length];
        for (int d = 0; d < ds.length; d++) {
            for (int l = 0; l < ls.length; l++) {
                double[] cell = cells.get(ds[d] + "@" + ls[l]);
                values[d][l] = cell == null ? Double.NaN : cell[0] / cell[1];
                success[d][l] = cell != null && cell[0] == cell[1];
                counts[d][l] = cell == null ? 0 : (int) cell[1];
            }
        }
        return new NeedleGrid(ls, ds, values, success, title, counts);
    }
}
