package org.kvscope.viz.data;

/**
 * KV-cache bytes per layer: kept by a compression policy versus a full cache.
 *
 * @param keptBytes bytes kept per layer, each &gt;= 0
 * @param fullBytes bytes a full cache would hold per layer, same length
 */
public record KvMemoryUsage(long[] keptBytes, long[] fullBytes) implements CsvWritable {

    public KvMemoryUsage {
        Checks.notNull(keptBytes, "keptBytes");
        Checks.notNull(fullBytes, "fullBytes");
        Checks.length(keptBytes.length, fullBytes.length, "keptBytes", "one per layer, like fullBytes");
        for (int i = 0; i < keptBytes.length; i++) {
            Checks.nonNegative(keptBytes[i], "keptBytes[" + i + "]");
            Checks.nonNegative(fullBytes[i], "fullBytes[" + i + "]");
        }
    }

    /** Number of layers. */
    public int layerCount() {
        return keptBytes.length;
    }

    /** Sum of kept bytes over all layers. */
    public long totalKept() {
        return java.util.Arrays.stream(keptBytes).sum();
    }

    /** Sum of full-cache bytes over all layers. */
    public long totalFull() {
        return java.util.Arrays.stream(fullBytes).sum();
    }

    @Override
    public String toCsv() {
        StringBuilder sb = new StringBuilder(Csv.line("layer", "kept_bytes", "full_bytes"));
        for (int i = 0; i < keptBytes.length; i++) {
            sb.append(Csv.line(Integer.toString(i), Long.toString(keptBytes[i]), Long.toString(fullBytes[i])));
        }
        return sb.toString();
    }
}
