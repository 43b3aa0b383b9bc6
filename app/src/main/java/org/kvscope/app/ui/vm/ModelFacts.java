package org.kvscope.app.ui.vm;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.kvscope.kv.KvCacheType;
import org.kvscope.model.Model;
import org.kvscope.model.ModelConfig;

/** Display rows describing a loaded model (label → value), in a fixed order. */
public final class ModelFacts {
    private ModelFacts() {}

    /** The facts with the KV cache counted as float32. */
    public static Map<String, String> of(Model model) {
        return of(model, KvCacheType.F32);
    }

    /** The facts with the full-context KV cache counted in {@code cacheType}'s real bytes (codes and scales). */
    public static Map<String, String> of(Model model, KvCacheType cacheType) {
        ModelConfig c = model.config();
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("File", model.info().path().getFileName().toString());
        rows.put("Name", model.info().name());
        rows.put("Architecture", c.architecture().toString().toLowerCase());
        rows.put("Layers", Integer.toString(c.layers()));
        rows.put("Heads / KV heads", c.heads() + " / " + c.kvHeads() + (c.kvHeads() < c.heads() ? " (GQA)" : ""));
        rows.put("Head dim / model dim", c.headDim() + " / " + c.dim());
        rows.put("Vocabulary", Integer.toString(c.vocabSize()));
        rows.put("Context length", Integer.toString(c.contextLength()));
        rows.put("Tensor types", model.info().tensorTypeCounts().entrySet().stream()
                .map(e -> e.getKey() + "×" + e.getValue()).collect(Collectors.joining(", ")));
        rows.put("Weights", bytes(model.info().weightBytes()));
        rows.put("KV cache (full context)", bytes((long) c.contextLength() * c.layers()
                * c.kvBytesPerTokenPerLayer(cacheType::vectorBytes)) + " as " + cacheType.cliName());
        return rows;
    }

    /** Human-readable size (B, KiB, MiB, GiB). */
    public static String bytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = b;
        int i = -1;
        while (v >= 1024 && i < units.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format("%.1f %s", v, units[i]);
    }
}
