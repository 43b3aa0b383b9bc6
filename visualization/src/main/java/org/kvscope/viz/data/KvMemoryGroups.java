package org.kvscope.viz.data;

import java.util.List;

/**
 * KV-cache bytes per layer of several policies on the same prompt, drawn grouped per layer next to the full cache.
 *
 * @param names  one legend name per policy, e.g. "A: snapkv" (the A/B prefix picks the policy colour)
 * @param usages one usage per name, all with the same layer count and the same full-cache bytes
 */
public record KvMemoryGroups(List<String> names, List<KvMemoryUsage> usages) implements CsvWritable {

    public KvMemoryGroups {
        names = Checks.copyOf(names, "names");
        usages = Checks.copyOf(usages, "usages");
        Checks.length(usages.size(), names.size(), "usages", "one per name");
        if (usages.isEmpty()) {
            throw new IllegalArgumentException("usages must not be empty");
        }
        for (int i = 1; i < usages.size(); i++) {
            Checks.length(usages.get(i).layerCount(), usages.getFirst().layerCount(), "usages[" + i + "]",
                    "the layer count of usages[0]");
        }
    }

    /** Number of layers. */
    public int layerCount() {
        return usages.getFirst().layerCount();
    }

    /** Wide table: layer, full-cache bytes, then the kept bytes of each policy. */
    @Override
    public String toCsv() {
        String[] header = new String[names.size() + 2];
        header[0] = "layer";
        header[1] = "full_bytes";
        for (int i = 0; i < names.size(); i++) {
            header[i + 2] = Csv.text(names.get(i));
        }
        StringBuilder sb = new StringBuilder(Csv.line(header));
        for (int l = 0; l < layerCount(); l++) {
            String[] row = new String[names.size() + 2];
            row[0] = Integer.toString(l);
            row[1] = Long.toString(usages.getFirst().fullBytes()[l]);
            for (int i = 0; i < names.size(); i++) {
                row[i + 2] = Long.toString(usages.get(i).keptBytes()[l]);
            }
            sb.append(Csv.line(row));
        }
        return sb.toString();
    }
}
