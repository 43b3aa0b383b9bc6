package org.kvscope.model;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.kvscope.gguf.GGUFFile;
import org.kvscope.gguf.GGUFTensorInfo;

/**
 * Checks a model file's tensor table against its {@code block_count} before any weight is touched:
 * every block has its tensors, and no tensors belong to blocks the metadata does not count. A
 * wrong count would otherwise load silently and run part of the model, or try to allocate
 * billions of layers.
 */
final class TensorTable {
    /** Tensors every transformer block has. */
    static final List<String> BLOCK_TENSORS = List.of("attn_norm.weight", "attn_q.weight", "attn_k.weight",
            "attn_v.weight", "attn_output.weight", "ffn_norm.weight", "ffn_gate.weight", "ffn_up.weight",
            "ffn_down.weight");
    private static final Pattern BLOCK = Pattern.compile("blk\\.(\\d{1,9})\\..+");

    private TensorTable() {}

    static void check(GGUFFile file, ModelConfig c) {
        TreeSet<Integer> blocks = new TreeSet<>();
        for (GGUFTensorInfo t : file.tensors()) {
            Matcher m = BLOCK.matcher(t.name());
            if (m.matches()) {
                blocks.add(Integer.parseInt(m.group(1)));
            }
        }
        String held = blocks.isEmpty() ? "no block tensors at all"
                : blocks.last() == blocks.size() - 1
                ? "tensors for " + blocks.size() + " blocks (blk.0 to blk." + blocks.last() + ")"
                : "tensors for blocks " + blocks.stream().limit(8).map(String::valueOf).collect(Collectors.joining(", "))
                        + (blocks.size() > 8 ? ", … (" + blocks.size() + " blocks)" : "");
        String key = c.architecture().ggufName() + ".block_count";
        if (c.layers() > blocks.size()) {
            throw new UnsupportedModelException(key + " is " + c.layers() + ", impossible for this file: it holds "
                    + held + "; the metadata or the tensor table is damaged");
        }
        if (!blocks.isEmpty() && blocks.last() >= c.layers()) {
            throw new UnsupportedModelException(key + " is " + c.layers() + " but the file holds " + held
                    + "; blocks from blk." + c.layers() + " on would be ignored (the metadata is damaged)");
        }
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < c.layers(); i++) {
            for (String suffix : BLOCK_TENSORS) {
                String name = "blk." + i + "." + suffix;
                if (file.tensor(name).isEmpty()) {
                    missing.add(name);
                }
            }
        }
        if (!missing.isEmpty()) {
            throw new UnsupportedModelException("the tensor table lacks " + missing.size() + " tensor"
                    + (missing.size() == 1 ? "" : "s") + " every block needs, first " + missing.getFirst()
                    + " (each block needs " + String.join(", ", BLOCK_TENSORS) + ")");
        }
    }
}
