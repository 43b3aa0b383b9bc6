package org.kvscope.tokenizer;

/**
 * String → its index in an array (the first index wins when a string repeats), as one open-addressed
 * table of ints that compares against the array itself. About 8 bytes an entry, where a
 * {@code HashMap<String, Integer>} costs a node, a boxed Integer and a bucket (about 60 bytes): on a
 * vocabulary of 49,152 pieces 0.5 MiB instead of 2.9 (docs/BENCHMARKS.md, issue 17 memory, rss17).
 */
final class StringIds {

    private final String[] keys;
    /** Index + 1 of the string whose hash probes here first free; 0 = empty. At most half full. */
    private final int[] slots;
    private final int mask;

    /** @param keys the strings, indexed; null entries are skipped. The array is kept, not copied: do not change it. */
    StringIds(String[] keys) {
        this.keys = keys;
        int capacity = Integer.highestOneBit(Math.max(2, 2 * keys.length) - 1) << 1;
        slots = new int[capacity];
        mask = capacity - 1;
        for (int i = 0; i < keys.length; i++) {
            String key = keys[i];
            if (key == null) {
                continue;
            }
            int slot = find(key);
            if (slots[slot] == 0) {
                slots[slot] = i + 1;
            }
        }
    }

    /** The index of {@code key} (its first occurrence), or -1 when absent. */
    int get(String key) {
        return slots[find(key)] - 1;
    }

    boolean contains(String key) {
        return get(key) >= 0;
    }

    /** The slot holding {@code key}, or the empty slot where its probe ends. */
    private int find(String key) {
        int h = key.hashCode();
        int slot = (h ^ (h >>> 16)) & mask;
        while (slots[slot] != 0 && !keys[slots[slot] - 1].equals(key)) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }
}
