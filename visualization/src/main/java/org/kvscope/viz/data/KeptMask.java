package org.kvscope.viz.data;

/**
 * Which key columns a KV-cache policy keeps ({@code true}) or evicted ({@code false}).
 * The array is not copied; do not mutate it after construction.
 *
 * @param keptByKey one flag per key column of the attention map it overlays
 */
public record KeptMask(boolean[] keptByKey) implements CsvWritable {

    public KeptMask {
        Checks.notNull(keptByKey, "keptByKey");
    }

    /** Mask keeping every key. */
    public static KeptMask allKept(int keyCount) {
        boolean[] kept = new boolean[keyCount];
        java.util.Arrays.fill(kept, true);
        return new KeptMask(kept);
    }

    /** Number of key columns. */
    public int keyCount() {
        return keptByKey.length;
    }

    /** Whether key column {@code key} is kept. */
    public boolean isKept(int key) {
        return keptByKey[key];
    }

    /** Number of kept keys. */
    public int keptCount() {
        int n = 0;
        for (boolean b : keptByKey) {
            if (b) {
                n++;
            }
        }
        return n;
    }

    @Override
    public String toCsv() {
        StringBuilder sb = new StringBuilder(Csv.line("key_index", "kept"));
        for (int k = 0; k < keptByKey.length; k++) {
            sb.append(Csv.line(Integer.toString(k), Boolean.toString(keptByKey[k])));
        }
        return sb.toString();
    }
}
