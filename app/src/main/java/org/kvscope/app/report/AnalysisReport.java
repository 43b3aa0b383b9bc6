package org.kvscope.app.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kvscope.engine.CompressedPerplexity;
import org.kvscope.metrics.CacheOccupancy;
import org.kvscope.metrics.PolicyAnalysis;
import org.kvscope.model.Model;
import org.kvscope.trace.AttentionCapture;
import org.kvscope.trace.FunnellingStats;

/** Builds the JSON-ready structure of one {@code kvscope analyze} report. */
public final class AnalysisReport {
    private AnalysisReport() {}

    public static Map<String, Object> model(Model m) {
        var c = m.config();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("file", m.info().path().toString());
        out.put("name", m.info().name());
        out.put("architecture", c.architecture().ggufName());
        out.put("layers", c.layers());
        out.put("heads", c.heads());
        out.put("kvHeads", c.kvHeads());
        out.put("headDim", c.headDim());
        out.put("contextLength", c.contextLength());
        out.put("tensorTypes", m.info().tensorTypeCounts());
        return out;
    }

    public static Map<String, Object> funnelling(AttentionCapture capture) {
        FunnellingStats f = capture.funnelling();
        List<Map<String, Object>> layers = new ArrayList<>();
        for (int l = 0; l < f.layers(); l++) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("layer", l);
            m.put("entropy", f.entropy(l));
            m.put("positionsFor90", f.positionsFor90(l));
            m.put("sinkMass", f.sinkMass(l));
            m.put("distanceProfile", f.distanceProfile(l));
            layers.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("sinks", f.sinks());
        out.put("distanceBinEdges", f.distanceEdges());
        out.put("layers", layers);
        return out;
    }

    public static Map<String, Object> analysis(PolicyAnalysis a, boolean includePositions) {
        Map<String, Object> out = new LinkedHashMap<>();
        double[] perLayer = new double[a.recall().length];
        for (int l = 0; l < perLayer.length; l++) {
            perLayer[l] = a.recall(l);
        }
        Map<String, Object> recall = new LinkedHashMap<>();
        recall.put("measuredOn", a.recallFromDecode() ? "decoded tokens" : "prompt window queries");
        recall.put("mean", a.meanRecall());
        recall.put("perLayer", perLayer);
        recall.put("perLayerHead", a.recall());
        out.put("recall", recall);
        Map<String, Object> overlap = new LinkedHashMap<>();
        overlap.put("mean", a.meanPvcOverlap());
        overlap.put("perLayer", a.pvcOverlap());
        out.put("pvcOverlap", overlap);
        Map<String, Object> mem = new LinkedHashMap<>();
        mem.put("keptBytesPerLayer", a.memory().keptBytesPerLayer());
        mem.put("fullBytesPerLayer", a.memory().fullBytesPerLayer());
        mem.put("keptBytes", a.memory().keptTotal());
        mem.put("fullBytes", a.memory().fullTotal());
        mem.put("ratio", a.memory().ratio());
        out.put("kvMemory", mem);
        int[] keptPerLayer = new int[a.kept().layers()];
        for (int l = 0; l < keptPerLayer.length; l++) {
            keptPerLayer[l] = a.kept().countInLayer(l);
        }
        out.put("keptEntriesPerLayer", keptPerLayer);
        if (includePositions) {
            out.put("keptPositions", a.kept().positions());
        }
        return out;
    }

    public static Map<String, Object> perplexity(CompressedPerplexity.Result policy, CompressedPerplexity.Result full,
                                                 int contextTokens) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("contextTokens", contextTokens);
        out.put("continuationTokens", policy.tokens());
        out.put("nll", policy.meanNll());
        out.put("perplexity", policy.perplexity());
        out.put("fullKvPerplexity", full.perplexity());
        out.put("deltaPerplexity", policy.perplexity() - full.perplexity());
        out.put("deltaNll", policy.meanNll() - full.meanNll());
        return out;
    }

    /** A cache occupancy's fields in declaration order (as Jackson writes the record). */
    public static Map<String, Object> occupancy(CacheOccupancy o) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("samples", o.samples());
        out.put("heads", o.heads());
        out.put("meanEntries", o.meanEntries());
        out.put("peakEntries", o.peakEntries());
        out.put("peakHeadEntries", o.peakHeadEntries());
        out.put("meanBytes", o.meanBytes());
        out.put("peakBytes", o.peakBytes());
        return out;
    }
}
