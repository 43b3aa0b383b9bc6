package org.kvscope.viz.data;

import java.util.List;

/**
 * Attention maps for every (layer, head) pair, stored row-major {@code [layer][head]}.
 *
 * @param layers number of layers, &gt; 0
 * @param heads  number of heads per layer, &gt; 0
 * @param maps   {@code layers * heads} maps
 */
public record LayerHeadMaps(int layers, int heads, List<AttentionMap> maps) implements CsvWritable {

    public LayerHeadMaps {
        Checks.positive(layers, "layers");
        Checks.positive(heads, "heads");
        maps = Checks.copyOf(maps, "maps");
        Checks.length(maps.size(), layers * heads, "maps", "layers * heads, row-major [layer][head]");
    }

    /** The map of one head. */
    public AttentionMap map(int layer, int head) {
        if (layer < 0 || layer >= layers || head < 0 || head >= heads) {
            throw new IndexOutOfBoundsException("(layer " + layer + ", head " + head + ") outside 0.." + (layers - 1)
                    + " x 0.." + (heads - 1));
        }
        return maps.get(layer * heads + head);
    }

    /** All cells of all maps, prefixed with layer and head columns. */
    @Override
    public String toCsv() {
        StringBuilder sb = new StringBuilder();
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < heads; h++) {
                String[] lines = map(l, h).toCsv().split("\n");
                if (sb.isEmpty()) {
                    sb.append("layer,head,").append(lines[0]).append('\n');
                }
                for (int i = 1; i < lines.length; i++) {
                    sb.append(l).append(',').append(h).append(',').append(lines[i]).append('\n');
                }
            }
        }
        return sb.toString();
    }
}
